"""Batch runs over many genomes: resumable, local or on Ray (``deepg-interpret run``).

- :mod:`.manifest`: samples from a manifest CSV/TSV or a deepG label-folder tree;
- :mod:`.store`: the hive-partitioned Parquet output, atomic parts, the run manifest;
- :mod:`.runner`: :func:`run_batch` and the local engine (this process or a pool);
- :mod:`.ray_engine`: the same job on Ray actors (optional dependency ``ray``).
"""

from __future__ import annotations

from .manifest import Sample, read_samples
from .runner import run_batch
from .store import batch_status, read_batch

__all__ = ["Sample", "batch_status", "read_batch", "read_samples", "run_batch"]
