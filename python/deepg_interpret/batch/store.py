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

Each finished sample's entry records the content fingerprints of its inputs
(``inputs``: FASTA, GFF, model, files named by the settings; see
:func:`deepg_interpret.batch.manifest.fingerprint`). A later run redoes a finished
sample whose inputs changed, replacing its partitions whole, and says why in the
status table's ``redone_reason``; the settings, by contrast, must stay the same
(compared as canonical JSON, :func:`canonical_json`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import json_safe
from ..errors import DeepGInterpretWarning, InputError
from ..io.file_sets import fsync_dir as _fsync  # opens files and folders alike
from ..io.files import atomic_write, now_iso
from ..io.locks import output_lock

RUN_FILE = "_run.json"
PART_NAME = "part-0.parquet"
FORMAT = "deepg-interpret batch run"
#: Settings that must match for a later run to continue an existing output. The model
#: is not among them: a changed model file redoes every sample (its fingerprint is one
#: of each sample's ``inputs``).
IDENTITY_KEYS = ("method", "settings", "tables")
#: Entries of ``extra`` that describe the latest invocation (updated on every run).
_CURRENT_KEYS = ("model", "inputs")
#: Status columns of :func:`batch_status`, in order.
STATUS_COLUMNS = ("sample_id", "label", "status", "started", "finished", "seconds",
                  "cpu_seconds", "bases", "n_sequences", "attempts", "error", "redone_reason",
                  "fasta", "gff")


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
        self.record["updated"] = now_iso()
        text = json.dumps(self.record, default=str, separators=(",", ":"))
        atomic_write(self.run_path, lambda tmp: _write_synced(tmp, text, sync))

    @contextlib.contextmanager
    def open(self, identity: dict, extra: dict, *, overwrite: bool = False,
             lock_timeout: float | None = 0):
        """Lock the folder, clean up after killed runs, check or start the run manifest.

        ``identity`` (method, settings, tables) must equal the existing run's
        (:func:`canonical_json`), else :class:`InputError` (or, with
        ``overwrite=True``, the old output is removed and a new run starts).
        ``extra`` (model, engine, versions, run-wide ``inputs`` fingerprints) is
        recorded; its ``model`` and ``inputs`` describe the latest invocation.
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
                record.update({k: extra[k] for k in _CURRENT_KEYS if k in extra})
            else:
                record = {"format": FORMAT, "run_id": uuid.uuid4().hex[:12],
                          "created": now_iso(), **identity, **extra, "samples": {}}
            record.setdefault("invocations", []).append(
                {"started": now_iso(), "engine": extra.get("engine"),
                 "versions": extra.get("versions"), "inputs": extra.get("inputs")})
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
        """Write the parts of one sample, each partition renamed into place whole.

        A sample committed again (retried, or redone because its inputs changed) has
        each old partition replaced by the new one, and its partitions of tables it no
        longer has (a ``genes`` table after its GFF was dropped) removed.
        """
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
                    _remove_dir(final)
                os.replace(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            _fsync(table_dir)
        self.remove_parts(sample_id, keep=tuple(tables))

    def remove_parts(self, sample_id: str, keep: tuple[str, ...] = ()) -> list[str]:
        """Remove the sample's partitions of every table but ``keep``; their table names.

        Called for a sample whose new attempt failed or wrote fewer tables, so that no
        partition of an old attempt stays visible to dataset readers.
        """
        removed = []
        for table_dir in sorted(p for p in self.root.iterdir()
                                if p.is_dir() and not p.name.startswith((".", "_"))):
            final = partition_dir(self.root, table_dir.name, sample_id)
            if table_dir.name not in keep and final.exists():
                _remove_dir(final)
                _fsync(table_dir)
                removed.append(table_dir.name)
        return removed


def _remove_dir(final: Path) -> None:
    """Rename a partition aside (one atomic step), then delete it."""
    old = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
    os.replace(final, old)
    shutil.rmtree(old, ignore_errors=True)


def _write_synced(tmp: Path, text: str, sync: bool = True) -> None:
    with open(tmp, "w") as handle:
        handle.write(text)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def _canonical(value):
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if not isinstance(value, float):
        return value
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 2 ** 53:
        return int(value)  # 50.0 and 50 (and -0.0 and 0) are one setting
    single = np.float32(value)
    if float(single) == value:  # a float32 value widened to float64: its shortest float32 text
        return float(str(single))
    return value


def canonical_json(value) -> str:
    """One text per setting value: keys sorted, floats by their shortest ``repr``.

    What a resumed run compares its settings by, so that the same settings given
    another way compare equal: ``50`` and ``50.0``, NaN and NaN, a float32 value
    and the decimal it was written as (``np.float32(0.1)`` and ``0.1``), tuples and
    lists, numpy scalars and Python numbers.

    Examples
    --------
    >>> canonical_json({"steps": 50.0, "x": np.float32(0.1)}) == canonical_json({"x": 0.1, "steps": 50})
    True
    >>> canonical_json([float("nan")])
    '["NaN"]'
    """
    return json.dumps(_canonical(json_safe(value)), sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


def _check_identity(record: dict, identity: dict, root: Path) -> None:
    differ = [k for k in IDENTITY_KEYS
              if canonical_json(record.get(k)) != canonical_json(identity.get(k))]
    if not differ:
        return
    changes = []
    for k in differ:
        before, now = json_safe(record.get(k)), json_safe(identity.get(k))
        if isinstance(before, dict) and isinstance(now, dict):  # name the settings that differ
            changes += [f"{name}: was {before.get(name)!r}, now {now.get(name)!r}"
                        for name in sorted(set(before) | set(now))
                        if canonical_json(before.get(name)) != canonical_json(now.get(name))]
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
    n_sequences, attempts, error, redone_reason, fasta, gff``
    (``status`` is ``done``, ``failed`` or ``running``: a run was killed during it;
    ``redone_reason`` says why a sample finished by an earlier run was computed again,
    e.g. ``"fasta changed"`` or ``"model changed"``, and is empty otherwise).

    Examples
    --------
    >>> import tempfile
    >>> batch_status(tempfile.mkdtemp()).columns[:3].tolist()
    ['sample_id', 'label', 'status']
    """
    record = BatchStore(out).load()
    cols = list(STATUS_COLUMNS)
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


__all__ = ["BatchStore", "STATUS_COLUMNS", "batch_status", "canonical_json", "partition_dir",
           "read_batch", "RUN_FILE", "PART_NAME"]
