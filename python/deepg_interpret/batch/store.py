"""The output of a batch run: a hive-partitioned Parquet dataset plus a run manifest.

::

    OUT/_run.json                                      run manifest (settings, versions,
                                                       per-sample status, timings, errors)
    OUT/._run.json.lock                                one writer at a time (io.locks)
    OUT/<table>/sample_id=<id>/part-0.parquet          one part per table and sample

Every part is written into a hidden temporary folder beside its partition
(``OUT/<table>/.sample_id=<id>.<12 hex>.tmp/``, same filesystem), flushed to disk
(``fsync`` of the file and the folder), then renamed into place, so a partition
appears whole or not at all; dataset readers such as pyarrow's and R arrow's skip
names starting with ``.`` or ``_`` by default. A sample counts as finished only once the run
manifest says so, and the manifest is rewritten atomically
(:func:`~deepg_interpret.io.files.atomic_write`) after each sample: a run killed at
any moment (SIGKILL included) keeps every finished sample, and the next run removes
the temporaries and redoes the sample that was in flight. :func:`read_batch`
returns finished samples only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
import warnings
from pathlib import Path

import pandas as pd

from .._checks import json_safe
from ..errors import DeepGInterpretWarning, InputError
from ..io.file_sets import _fsync_dir as _fsync  # opens files and folders alike
from ..io.files import _now_iso, atomic_write
from ..io.locks import output_lock

RUN_FILE = "_run.json"
PART_NAME = "part-0.parquet"
FORMAT = "deepg-interpret batch run"
#: Settings that must match for a later run to continue an existing output.
IDENTITY_KEYS = ("method", "settings", "model_sha256", "tables")


def partition_dir(root, table: str, sample_id: str) -> Path:
    """``root/<table>/sample_id=<id>``."""
    return Path(root) / table / f"sample_id={sample_id}"


class BatchStore:
    """Reads and writes one batch output folder (see the module docstring).

    Use :meth:`open` (a context manager holding the lock) for writing.
    """

    def __init__(self, root) -> None:
        self.root = Path(root)
        self.run_path = self.root / RUN_FILE
        self.record: dict = {}

    # ------------------------------------------------------------------ run manifest
    def load(self) -> dict:
        """The run manifest (empty dict if there is none yet)."""
        if not self.run_path.is_file():
            return {}
        try:
            record = json.loads(self.run_path.read_text())
        except (OSError, ValueError) as err:
            raise InputError(
                f"The run manifest {str(self.run_path)!r} cannot be read ({err}); it was not "
                "written by deepg-interpret run. Choose another output folder (--out)."
            ) from err
        if record.get("format") != FORMAT:
            raise InputError(
                f"{str(self.run_path)!r} is not a deepg-interpret batch run manifest; choose "
                "another output folder (--out)."
            )
        return record

    def save(self, sync: bool = True) -> None:
        """Rewrite the run manifest atomically; ``sync`` flushes it to disk first.

        One line of JSON, values already plain (settings pass ``json_safe`` once, at
        :meth:`open`): the driver rewrites it after every sample, so its cost bounds
        a cluster's rate (``bench/bench_batch.py`` measures it for 3,000 samples).
        """
        self.record["updated"] = _now_iso()
        text = json.dumps(self.record, default=str, separators=(",", ":"))
        atomic_write(self.run_path, lambda tmp: _write_synced(tmp, text, sync))

    @contextlib.contextmanager
    def open(self, identity: dict, extra: dict, *, overwrite: bool = False,
             lock_timeout: float | None = 0):
        """Lock the folder, clean up after killed runs, check or start the run manifest.

        ``identity`` (method, settings, model checksum, tables) must equal the
        existing run's, else :class:`InputError` (or, with ``overwrite=True``, the
        old output is removed and a new run starts).
        """
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"--out {str(self.root)!r} is a file; give a folder.")
        if self.root.is_dir() and any(self.root.iterdir()) and not self.run_path.exists() \
                and not any(self.root.glob(f".{RUN_FILE}.lock")):
            raise InputError(
                f"--out {str(self.root)!r} already holds other files; give an empty or new "
                "folder, or the folder of an earlier deepg-interpret run to continue it."
            )
        self.root.mkdir(parents=True, exist_ok=True)
        with output_lock(self.run_path, lock_timeout=lock_timeout):
            self.clean_temporaries()
            record = self.load()
            if record and overwrite:
                self._remove_output(record)
                record = {}
            if record:
                _check_identity(record, identity, self.root)
                _note_versions(record, extra.get("versions", {}))
            else:
                record = {"format": FORMAT, "run_id": uuid.uuid4().hex[:12],
                          "created": _now_iso(), **identity, **extra, "samples": {}}
            record.setdefault("invocations", []).append(
                {"started": _now_iso(), "engine": extra.get("engine"),
                 "versions": extra.get("versions")})
            self.record = record
            self.save()
            yield self

    def _remove_output(self, record: dict) -> None:
        for table in record.get("tables", []):
            shutil.rmtree(self.root / table, ignore_errors=True)
        self.run_path.unlink(missing_ok=True)

    def clean_temporaries(self) -> list[Path]:
        """Remove the hidden temporaries of killed runs (called under the lock)."""
        removed = []
        for table_dir in (p for p in self.root.iterdir() if p.is_dir()):
            for entry in table_dir.iterdir():
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
        return removed

    # ------------------------------------------------------------------ samples
    def samples(self) -> dict[str, dict]:
        return self.record.setdefault("samples", {})

    def is_finished(self, sample_id: str) -> bool:
        entry = self.samples().get(sample_id)
        if not entry or entry.get("status") != "done":
            return False
        return all((partition_dir(self.root, t, sample_id) / PART_NAME).is_file()
                   for t in entry.get("tables", self.record.get("tables", ())))

    def update(self, entry: dict, sync: bool = True) -> None:
        """Record one sample's status and rewrite the run manifest atomically."""
        self.samples()[entry["sample_id"]] = entry
        self.save(sync)

    def commit(self, sample_id: str, tables: dict[str, pd.DataFrame]) -> None:
        """Write the parts of one sample, each partition renamed into place whole."""
        for name, frame in tables.items():
            table_dir = self.root / name
            table_dir.mkdir(parents=True, exist_ok=True)
            final = partition_dir(self.root, name, sample_id)
            tmp = table_dir / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
            tmp.mkdir()
            try:
                frame.to_parquet(tmp / PART_NAME, index=False)
                _fsync(tmp / PART_NAME)
                _fsync(tmp)
                if final.exists():  # a retried sample: move the old part aside first
                    old = table_dir / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
                    os.replace(final, old)
                    shutil.rmtree(old, ignore_errors=True)
                os.replace(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            _fsync(table_dir)


def _write_synced(tmp: Path, text: str, sync: bool = True) -> None:
    with open(tmp, "w") as handle:
        handle.write(text)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def _check_identity(record: dict, identity: dict, root: Path) -> None:
    differ = [k for k in IDENTITY_KEYS if json_safe(record.get(k)) != json_safe(identity.get(k))]
    if not differ:
        return
    changes = []
    for k in differ:
        before, now = json_safe(record.get(k)), json_safe(identity.get(k))
        if isinstance(before, dict) and isinstance(now, dict):  # name the settings that differ
            changes += [f"{name}: was {before.get(name)!r}, now {now.get(name)!r}"
                        for name in sorted(set(before) | set(now))
                        if before.get(name) != now.get(name)]
        else:
            changes.append(f"{k}: was {before!r}, now {now!r}")
    details = "; ".join(changes)
    raise InputError(
        f"--out {str(root)!r} holds a run with other settings ({details}). A batch output "
        "holds one setting only, so that its tables can be read together: choose a new "
        "output folder for these settings, or pass overwrite=True (--overwrite) to discard "
        "the old results."
    )


def _note_versions(record: dict, versions: dict) -> None:
    before = record.get("versions", {})
    changed = {k: (before.get(k), v) for k, v in versions.items() if before.get(k) != v}
    if changed:
        warnings.warn(
            f"continuing run {record.get('run_id')} with other package versions {changed}; "
            "finished samples are kept (each invocation's versions are in the run manifest).",
            DeepGInterpretWarning, stacklevel=4)


# ---------------------------------------------------------------------- reading
def batch_status(out) -> pd.DataFrame:
    """Per-sample status of a batch output: one row per sample of the run manifest.

    Columns ``sample_id, label, status, started, finished, seconds, cpu_seconds, bases,
    n_sequences, attempts, error, fasta, gff``
    (``status`` is ``done``, ``failed`` or ``running``: a run was killed during it).

    Examples
    --------
    >>> import tempfile
    >>> batch_status(tempfile.mkdtemp()).columns[:3].tolist()
    ['sample_id', 'label', 'status']
    """
    record = BatchStore(out).load()
    cols = ["sample_id", "label", "status", "started", "finished", "seconds", "cpu_seconds",
            "bases", "n_sequences", "attempts", "error", "fasta", "gff"]
    rows = [{c: e.get(c) for c in cols} for e in record.get("samples", {}).values()]
    frame = pd.DataFrame(rows, columns=cols)
    for c in ("bases", "n_sequences", "attempts"):
        frame[c] = pd.array(frame[c], dtype="Int64").astype("Int64")
    frame[["seconds", "cpu_seconds"]] = frame[["seconds", "cpu_seconds"]].astype("float64")
    frame.attrs = {k: record[k] for k in ("run_id", "method", "settings", "versions", "tables")
                   if k in record}
    return frame


def read_batch(out, table: str | None = None, *, samples=None) -> pd.DataFrame:
    """The combined table of a batch output: finished samples, ``sample_id`` first.

    Parameters
    ----------
    out : str or path
        The ``--out`` folder of :func:`~deepg_interpret.run_batch`.
    table : str, optional
        Table name (``per_locus``, ``summary``, ...). Default: the first table of
        the run. ``"status"`` returns :func:`batch_status`.
    samples : list of str, optional
        Only these sample ids.

    Returns
    -------
    pandas.DataFrame
        ``sample_id`` (and ``label`` when the run has labels), then the method's
        columns; samples in run-manifest order. ``attrs`` holds the run's settings
        (flat), ``method``, ``run_id`` and ``table``.

    Examples
    --------
    >>> import tempfile
    >>> read_batch(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    deepg_interpret.errors.InputError: ... holds no batch run ...
    """
    store = BatchStore(out)
    record = store.load()
    if not record:
        raise InputError(f"{str(out)!r} holds no batch run (no {RUN_FILE}); pass the --out "
                         "folder of deepg-interpret run / run_batch().")
    if table == "status":
        return batch_status(out)
    tables = list(record.get("tables", []))
    table = table or tables[0]
    if table not in tables:
        raise InputError(f"table {table!r} is not in this run; choose one of {tables + ['status']}.")
    store.record = record
    entries = record.get("samples", {})
    wanted = list(entries) if samples is None else [str(s) for s in samples]
    unknown = [s for s in wanted if s not in entries]
    if unknown:
        raise InputError(f"samples {unknown} are not in the run at {str(out)!r}.")
    has_labels = any(e.get("label") for e in entries.values())
    frames = []
    for sample_id in wanted:
        part = partition_dir(out, table, sample_id) / PART_NAME
        if entries[sample_id].get("status") != "done" or not part.is_file():
            continue
        frame = pd.read_parquet(part)
        if has_labels:
            frame.insert(0, "label", entries[sample_id].get("label"))
        frame.insert(0, "sample_id", sample_id)
        frames.append(frame)
    if frames:
        combined = pd.concat(frames, ignore_index=True)
        for col in combined.columns:  # concat turns unequal categoricals into objects
            first = frames[0][col]
            if isinstance(first.dtype, pd.CategoricalDtype) and combined[col].dtype == object:
                combined[col] = combined[col].astype("category")
    else:
        combined = pd.DataFrame({"sample_id": pd.Series([], dtype=object)})
    for col in ("sample_id", "label"):
        if col in combined:
            combined[col] = combined[col].astype("category")
    # Flat, as in every method table's attrs (the method name wins over a setting
    # of the same name, such as IG's integration rule, kept in _run.json).
    combined.attrs = {**record.get("settings", {}), "method": record.get("method"),
                      "run_id": record.get("run_id"), "table": table}
    return combined


__all__ = ["BatchStore", "batch_status", "partition_dir", "read_batch", "RUN_FILE", "PART_NAME"]
