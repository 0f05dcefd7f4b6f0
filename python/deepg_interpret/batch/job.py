"""One batch job and one sample's work: the part of a batch run that a worker executes.

:class:`BatchJob` (method, settings, tables, model path) is what the driver hands to
every worker, locally or on Ray; :func:`explain_sample` runs the method on one sample
and commits its tables. Kept apart from the driver (:mod:`.runner`) so that the Ray
engine imports the work without importing the driver that imports the engine.
"""

from __future__ import annotations

import inspect
import os
import platform
import time
import traceback
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..core.prepare import EncodeOptions
from ..dna.fasta import read_fasta
from ..errors import ArgumentTypeError, DeepGInterpretError, InputError
from ..io.files import now_iso
from ..methods.genes import gene_scores
from ..methods.registry import MethodSpec, command_line_methods, get_method
from .manifest import Sample, fingerprint
from .store import BatchStore

# Arguments that change how the work is cut into batches, never the numbers
# (results do not depend on batching): they may differ between resumed runs.
_RUNTIME_KEYS = ("memory_budget", "batch_size")
_NOT_SETTINGS = ("model", "sequences", "progress")
# The encoding options a run may set (sample ids come from each FASTA, not the settings).
_ENCODE_KEYS = tuple(f.name for f in fields(EncodeOptions) if f.name != "seq_ids")


@dataclass(frozen=True)
class BatchJob:
    """What every worker needs: picklable, so it travels to Ray actors."""

    method: str
    model: str
    settings: dict
    runtime: dict
    tables: tuple[str, ...]
    with_genes: bool = False
    threads: int | None = None
    #: Output folder when the worker commits its sample's parts itself (Ray: spreads the
    #: Parquet encoding over the workers); None: the driver commits.
    out: str | None = None
    #: Fingerprints of the inputs every sample shares (``model``, ``background``, ...),
    #: recorded with each sample's own (:func:`run_fingerprints`).
    run_inputs: dict = field(default_factory=dict)


# ---------------------------------------------------------------------- settings
def resolve_method(method: str) -> MethodSpec:
    """A registry entry by name or CLI short name (``ig``)."""
    if isinstance(method, str):
        for spec in command_line_methods():
            if method in (spec.name, spec.cli_name, spec.name.replace("_", "-")):
                return spec
    spec = get_method(method)  # raises the InputError listing the names
    raise InputError(
        f"method {spec.name!r} ({spec.kind}, inputs {', '.join(spec.inputs)}) does not run over "
        "a manifest of genomes; batch runs take the per-base and per-segment methods over "
        f"(model, sequences): {[s.name for s in command_line_methods()]}. Call "
        f"deepg_interpret.{spec.name}() (or {spec.r_wrapper}() in R) directly."
    )


def method_settings(spec: MethodSpec, settings: dict | None) -> tuple[dict, dict]:
    """Split and complete ``settings``: (result-affecting settings with defaults, runtime).

    Unknown names raise :class:`ArgumentTypeError` listing the valid ones; a missing
    required argument (``target``) raises :class:`InputError`.
    """
    settings = dict(settings or {})
    params = inspect.signature(spec.function).parameters
    takes_encode = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    named = {n: p for n, p in params.items()
             if n not in _NOT_SETTINGS and p.kind is not inspect.Parameter.VAR_KEYWORD}
    valid = set(named) | (set(_ENCODE_KEYS) if takes_encode else set())
    unknown = sorted(set(settings) - valid)
    if unknown:
        raise ArgumentTypeError(
            f"settings {unknown} are not arguments of {spec.name}; valid ones: {sorted(valid)}."
        )
    missing = [n for n, p in named.items()
               if p.default is inspect.Parameter.empty and n not in settings]
    if missing:
        raise InputError(f"{spec.name} needs {missing} (e.g. target=1, --target 1).")
    complete = {n: settings.get(n, p.default) for n, p in named.items() if n not in _RUNTIME_KEYS}
    complete.update({k: settings[k] for k in _ENCODE_KEYS if k in settings})
    if isinstance(complete.get("vocabulary"), (list, str)):
        complete["vocabulary"] = tuple(complete["vocabulary"])
    runtime = {k: settings[k] for k in _RUNTIME_KEYS if settings.get(k) is not None}
    return complete, runtime


def default_tables(spec: MethodSpec) -> tuple[str, ...]:
    """Every table of the method except the per-base ``attribution`` table.

    One row per base and channel is four times the per-locus table (4 million rows
    for a 1 Mbp genome); ask for it with ``tables="all"``.
    """
    kept = tuple(t for t in spec.tables if t != "attribution")
    return kept or spec.tables


def check_tables(spec: MethodSpec, tables) -> tuple[str, ...]:
    if tables is None:
        return default_tables(spec)
    if tables == "all":
        return spec.tables
    if isinstance(tables, str):
        tables = [t.strip() for t in tables.split(",") if t.strip()]
    tables = tuple(tables)
    bad = [t for t in tables if t not in spec.tables]
    if bad or not tables:
        raise InputError(f"tables {bad or tables!r} are not tables of {spec.name}; choose from "
                         f"{spec.tables} or 'all'.")
    return tables


def _existing_path(value) -> Path | None:
    if not isinstance(value, (str, os.PathLike)):
        return None
    try:
        path = Path(value)
        return path.resolve() if path.exists() else None
    except (OSError, ValueError):  # a long DNA string is no file name
        return None


def run_fingerprints(spec: MethodSpec, settings: dict, model_path: Path) -> dict:
    """Fingerprints of the inputs every sample shares: ``model`` and the settings' files.

    The settings' files are the values of the method's ``"sequences"`` options that
    name an existing file or folder (IG's ``background`` FASTA); arrays and DNA
    strings given inline are settings, compared as such.

    Examples
    --------
    >>> import tempfile
    >>> from deepg_interpret.methods.registry import get_method
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "m.h5").write_bytes(b"weights"); _ = (d / "bg.fasta").write_text(">b\\nAC\\n")
    >>> sorted(run_fingerprints(get_method("integrated_gradients"),
    ...                         {"background": str(d / "bg.fasta")}, d / "m.h5"))
    ['background', 'model']
    """
    out = {"model": fingerprint(model_path)}
    for option in spec.options:
        if option.kind == "sequences":
            path = _existing_path(settings.get(option.name))
            if path is not None:
                out[option.name] = fingerprint(path)
    return out


def versions(engine: str) -> dict:
    """Package versions recorded in the run manifest."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("deepg-interpret", "tensorflow", "keras", "tf_keras", "numpy", "pandas",
                 "pyarrow") + (("ray",) if engine == "ray" else ()):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


# ---------------------------------------------------------------------- one sample
def load_job_model(job: BatchJob, class_names=None):
    """The job's model, loaded once per worker (thread count set first if asked)."""
    if job.threads:
        import tensorflow as tf

        try:  # only possible before TensorFlow's first op in this process
            tf.config.threading.set_intra_op_parallelism_threads(job.threads)
            tf.config.threading.set_inter_op_parallelism_threads(job.threads)
        except RuntimeError:
            pass
    from ..model.adapter import load_model

    return load_model(job.model, class_names=class_names)


def explain_sample(adapter, job: BatchJob, sample: Sample) -> dict:
    """Run the job's method on one sample; never raises (errors become a failed outcome).

    Returns a dict: ``sample_id, status ("done"/"failed"), started, finished, seconds,
    cpu_seconds, bases, n_sequences, error, worker`` (pid), ``inputs`` (fingerprints:
    the job's ``run_inputs`` plus ``fasta`` and ``gff``, taken before they are read, so
    a file replaced during the work is redone next time) and ``tables`` (name ->
    DataFrame, done only).
    """
    started, t0, cpu0 = now_iso(), time.perf_counter(), time.process_time()
    outcome = {"sample_id": sample.sample_id, "started": started, "bases": None,
               "n_sequences": None, "error": None, "tables": None, "worker": os.getpid()}
    try:
        outcome["inputs"] = {**job.run_inputs, **sample.fingerprints()}
        records = read_fasta(sample.fasta, check_ids=True)
        outcome["bases"] = sum(len(seq) for _, seq in records)
        outcome["n_sequences"] = len(records)
        result = get_method(job.method).run(
            adapter, {rid: seq for rid, seq in records}, progress=False,
            **job.settings, **job.runtime)
        tables = {name: result.table(name) for name in job.tables}
        if job.with_genes and sample.gff:
            tables["genes"] = gene_scores(
                tables["per_locus"], sample.gff,
                sequence_lengths={rid: len(seq) for rid, seq in records})
        if job.out is not None:
            BatchStore(job.out).commit(sample.sample_id, tables)
            tables = list(tables)  # the names only: the parts are in place
        outcome.update(status="done", tables=tables)
    except Exception as err:  # noqa: BLE001 - one bad genome must not stop the batch
        known = isinstance(err, (DeepGInterpretError, OSError))
        message = f"{type(err).__name__}: {err}"
        if not known:  # an unexpected failure: keep where it happened for the report
            message += "\n" + traceback.format_exc(limit=-3)
        outcome.update(status="failed", error=message)
    outcome["finished"] = now_iso()
    outcome["seconds"] = round(time.perf_counter() - t0, 4)
    # CPU seconds of the worker process (all its threads): steadier than wall time on a
    # shared machine, and what a dedicated core would need.
    outcome["cpu_seconds"] = round(time.process_time() - cpu0, 4)
    return outcome


# ---------------------------------------------------------------------- resuming


def failed_outcome(sample: Sample, error: str) -> dict:
    now = now_iso()
    return {"sample_id": sample.sample_id, "status": "failed", "started": now, "finished": now,
            "seconds": 0.0, "cpu_seconds": 0.0, "bases": None, "n_sequences": None, "error": error, "tables": None}


__all__ = ["BatchJob", "check_tables", "default_tables", "explain_sample", "failed_outcome",
           "load_job_model", "method_settings", "resolve_method", "run_fingerprints", "versions"]
