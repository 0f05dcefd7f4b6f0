"""``run_batch()``: one method over many genomes, resumable, locally or on Ray.

The driver (this process) reads the samples, checks the settings against the
method's registry entry, loads the model once to fail early on a wrong path or
target, then hands pending samples to an engine:

- ``"local"``: in this process, one sample after another;
- ``"ray"``: Ray actors, one per worker, each loading the model once
  (:mod:`deepg_interpret.batch.ray_engine`).

Workers compute (:func:`explain_sample`); each sample's parts are committed whole
(:mod:`deepg_interpret.batch.store`) by the driver (local) or by the Ray actor that
computed it (so that Parquet encoding, about a second per 1 Mbp genome, scales with
the workers instead of capping a cluster at the driver's pace). The run manifest is
written by the driver only, after each sample.

Every sample's entry records the fingerprints of its inputs
(:func:`~deepg_interpret.batch.manifest.fingerprint`): its FASTA and GFF (taken by the
worker just before it reads them), the model file or SavedModel folder, and the files
the settings name (``background``). A resumed run fingerprints the finished samples'
inputs again and redoes those whose fingerprints differ (:func:`resume_plan`).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..checks import check_choice, check_int, json_safe
from ..errors import DeepGInterpretWarning, InputError
from ..io.files import now_iso
from .job import (
    BatchJob,
    check_tables,
    explain_sample,
    load_job_model,
    method_settings,
    resolve_method,
    run_fingerprints,
    versions,
)
from .manifest import Sample, read_samples
from .store import BatchStore, batch_status

ENGINES = ("local", "ray")

_MAX_LISTED = 20  # samples named one per line in the redo warning


def changed_inputs(entry: dict, current: dict) -> list[str]:
    """Roles (``fasta``, ``gff``, ``model``, ...) whose fingerprint differs from ``entry``'s.

    ``["inputs"]`` when the entry recorded none (finished by an older version).
    """
    recorded = entry.get("inputs")
    if not isinstance(recorded, dict):
        return ["inputs"]
    return [role for role in dict.fromkeys([*current, *recorded])
            if current.get(role) != recorded.get(role)]


def resume_plan(store: BatchStore, samples: list[Sample], run_inputs: dict
                ) -> tuple[list[Sample], dict[str, str]]:
    """The samples to compute now and, for finished ones redone, why (``"fasta changed"``).

    Pending: every sample not finished, plus every finished one whose inputs'
    fingerprints changed (a changed model or settings file redoes them all). A finished
    sample whose FASTA or GFF no longer exists is kept as it is (inputs are often
    deleted after a run) unless the model or a settings file changed too (then it is
    redone, and fails: an output never mixes two models). Emits one
    :class:`DeepGInterpretWarning` naming the redone samples and what changed, and one
    for kept samples with missing inputs.
    """
    pending, changed_roles, missing = [], {}, []
    for sample in samples:
        if not store.is_finished(sample.sample_id):
            pending.append(sample)
            continue
        own = sample.fingerprints()
        changed = changed_inputs(store.samples()[sample.sample_id], {**run_inputs, **own})
        if not changed:
            continue
        gone = [role for role, path in sample.input_paths().items()
                if path and own[role] is None]
        if gone and not any(role in run_inputs for role in changed):
            missing.append(f"{sample.sample_id} ({', '.join(gone)})")
            continue
        pending.append(sample)
        changed_roles[sample.sample_id] = changed
    reasons = {sid: ("inputs not fingerprinted (an older run)" if roles == ["inputs"]
                     else ", ".join(roles) + " changed") for sid, roles in changed_roles.items()}
    if reasons:
        warnings.warn(_redo_message(changed_roles, reasons, run_inputs, samples),
                      DeepGInterpretWarning, stacklevel=3)
    if missing:
        warnings.warn(
            f"{len(missing)} finished sample(s) have input files that no longer exist and "
            f"are kept as they are: {', '.join(missing[:_MAX_LISTED])}"
            + (" ..." if len(missing) > _MAX_LISTED else "") + ".",
            DeepGInterpretWarning, stacklevel=3)
    return pending, reasons


def _redo_message(changed_roles: dict[str, list[str]], reasons: dict[str, str],
                  run_inputs: dict, samples: list[Sample]) -> str:
    paths = {s.sample_id: s.input_paths() for s in samples}
    lines = []
    for sample_id, roles in list(changed_roles.items())[:_MAX_LISTED]:
        where = [str(paths[sample_id].get(r)) for r in roles if paths[sample_id].get(r)]
        lines.append(f"  {sample_id}: {reasons[sample_id]}"
                     + (f" ({', '.join(where)})" if where else ""))
    if len(reasons) > _MAX_LISTED:
        lines.append(f"  ... and {len(reasons) - _MAX_LISTED} more")
    shared = sorted({r for roles in changed_roles.values() for r in roles if r in run_inputs})
    note = (f" The {' and '.join(shared)} changed since they were computed, so every "
            "finished sample is redone." if shared else "")
    return (f"redoing {len(reasons)} finished sample(s) whose inputs changed since they were "
            f"computed (their old results are replaced; see the status column "
            f"redone_reason).{note}\n" + "\n".join(lines))


# ---------------------------------------------------------------------- local engine
def run_local(job: BatchJob, pending: list[Sample], on_start: Callable, on_result: Callable,
              adapter=None) -> None:
    """Explain ``pending`` one after another in this process (the model loaded once).

    One process only: TensorFlow already spreads one sample over the cores (measured in
    ``bench/bench_batch.py``: a 2-process pool was no faster on 2 cores). Several
    processes on one machine are a local Ray (``engine="ray"`` without ``address``).
    """
    adapter = adapter if adapter is not None else load_job_model(job)
    for sample in pending:
        on_start(sample)
        on_result(explain_sample(adapter, job, sample))


# ---------------------------------------------------------------------- progress
class _Progress:
    """tqdm bar over samples, with samples/h and bases/s of this invocation."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.t0 = time.perf_counter()
        self.bases = 0
        self.samples = 0
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="genome", desc="batch",
                            dynamic_ncols=True)

    def update(self, outcome: dict) -> None:
        self.samples += 1
        self.bases += outcome.get("bases") or 0
        if self.bar is not None:
            elapsed = max(time.perf_counter() - self.t0, 1e-9)
            self.bar.set_postfix({"samples/h": f"{3600 * self.samples / elapsed:.0f}",
                                  "bases/s": f"{self.bases / elapsed:.3g}"}, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------- entry point
def run_batch(samples, model, *, method: str = "integrated_gradients", out,
              settings: dict | None = None, tables=None, engine: str = "local",
              workers: int | None = None, address: str | None = None,
              threads_per_worker: int | None = None, overwrite: bool = False,
              lock_timeout: float | None = 0, progress: bool = True) -> pd.DataFrame:
    """Run one registered method over many genomes into a resumable Parquet dataset.

    Parameters
    ----------
    samples : str, path, DataFrame or list
        A manifest CSV/TSV (``sample_id, fasta``, optional ``label, gff``; relative
        paths against its folder), a folder in deepG's label-folder layout
        (``root/<class>/*.fasta``), or records with ``sample_id`` and ``fasta``.
    model : str or path
        Model file (``.keras``, ``.h5``) or SavedModel folder; every worker loads it
        once (on a cluster it must be readable by every node, as must the FASTA files,
        and ``out`` writable: Ray actors write their samples' parts). A model object in
        memory is refused (it could not be fingerprinted or sent to workers): save it.
    method : str
        A registered method (:func:`~deepg_interpret.method_names`) or its CLI name
        (``ig``). Default ``"integrated_gradients"``.
    out : str or path
        Output folder (see :mod:`deepg_interpret.batch.store`).
    settings : dict
        The method's arguments: ``target`` plus its options (``steps``, ``baseline``,
        ...) and encoding options (``window_step``, ``pad``, ...). Defaults are
        filled in and recorded; ``memory_budget``/``batch_size`` may change between
        runs (they do not change results), everything else may not (compared as
        canonical JSON, so ``50`` and ``50.0`` or a float32 and its decimal are equal).
    tables : None, "all", str or list of str
        Tables to write. Default: all but the per-base ``attribution`` table. With
        a GFF per sample (and ``per_locus`` among the tables), a ``genes`` table
        (:func:`deepg_interpret.methods.genes.gene_scores`) is added.
    engine : {"local", "ray"}
        Where the work runs. Default ``"local"``.
    workers : int, optional
        Ray actors (default: the cluster's CPUs); a Ray started by this call gets
        ``num_cpus=workers``. The local engine is one process (``workers`` 1 or None).
    address : str, optional
        Ray cluster to join (``"auto"``, ``"ray://host:10001"``); default starts a
        local Ray (or uses one already initialised in this process).
    threads_per_worker : int, optional
        TensorFlow threads per Ray actor. Default 1 (the actor's CPU share).
    overwrite : bool
        Discard an existing output with other settings instead of raising.
    lock_timeout : float, optional
        Seconds to wait for another run on the same ``out`` (default 0: fail at once).
    progress : bool
        Progress bar with ETA, samples/h and bases/s.

    Returns
    -------
    pandas.DataFrame
        Per-sample status of this manifest's samples: ``sample_id, label, status,
        started, finished, seconds, cpu_seconds, bases, n_sequences, attempts, error,
        redone_reason, fasta, gff``;
        ``attrs`` holds ``out``, ``run_id``, ``n_done``, ``n_failed``, ``n_skipped``,
        ``n_redone``.

    Warns
    -----
    DeepGInterpretWarning
        When finished samples are redone because their inputs changed (naming each
        sample and what changed), and when a finished sample's input files are gone.

    Notes
    -----
    Resuming. Every finished sample's entry in ``_run.json`` records a fingerprint
    of each of its inputs: its FASTA and GFF, the model (file, or SavedModel folder:
    every file under it), and the files the settings name (``background``). A file
    up to 64 MiB is fingerprinted by the SHA-256 of all its bytes; a bigger one by its
    size, its modification time (ns) and the SHA-256 of its first and last MiB
    (:func:`~deepg_interpret.batch.manifest.fingerprint`). A re-run skips a finished
    sample only when all its fingerprints are unchanged; otherwise it is computed
    again, its partitions replaced whole, ``attempts`` counts up and
    ``redone_reason`` says what changed (``"fasta changed"``, ``"model changed"``:
    a changed model or settings file redoes every sample). Fingerprinting reads every
    finished sample's inputs once per re-run. A finished sample whose FASTA or GFF no
    longer exists is kept (with a warning).

    Examples
    --------
    >>> import os, tempfile, keras
    >>> from deepg_interpret import read_batch
    >>> root = tempfile.mkdtemp()
    >>> keras.Sequential([keras.Input((50, 4)), keras.layers.Flatten(),
    ...                   keras.layers.Dense(2)]).save(os.path.join(root, "model.keras"))
    >>> with open(os.path.join(root, "g1.fasta"), "w") as fh:
    ...     _ = fh.write(">chr\\n" + "ACGT" * 50 + "\\n")
    >>> with open(os.path.join(root, "genomes.csv"), "w") as fh:
    ...     _ = fh.write("sample_id,fasta\\ng1,g1.fasta\\n")
    >>> status = run_batch(os.path.join(root, "genomes.csv"), os.path.join(root, "model.keras"),
    ...                    method="ig", out=os.path.join(root, "runs"), progress=False,
    ...                    settings={"target": 1, "steps": 4, "window_step": 50})
    >>> status["status"].tolist()
    ['done']
    >>> len(read_batch(os.path.join(root, "runs"), "per_locus"))  # 200 bases of one genome
    200
    """
    spec = resolve_method(method)
    sample_list = read_samples(samples)
    engine = check_choice(engine, "engine", ENGINES)
    if engine == "ray":  # before any work: a missing extra is an install step, not a failure
        from .ray_engine import import_ray

        import_ray()
    if workers is not None:
        workers = check_int(workers, "workers", 1)
    if threads_per_worker is not None:
        threads_per_worker = check_int(threads_per_worker, "threads_per_worker", 1)
    complete, runtime = method_settings(spec, settings)
    table_names = check_tables(spec, tables)
    with_genes = "per_locus" in table_names and any(s.gff for s in sample_list)
    model_path = Path(model) if isinstance(model, (str, os.PathLike)) else None
    if model_path is None or not model_path.exists():
        raise InputError(f"model {model!r} is not an existing model file or folder; batch runs "
                         "take a path (.keras, .h5 or SavedModel folder) that every worker loads.")
    model_path = model_path.resolve()
    if engine == "local" and (workers or 1) > 1:
        raise InputError(f"workers = {workers} needs engine='ray' (a local Ray starts with "
                         "num_cpus=workers); the local engine is one process, whose "
                         "TensorFlow already uses every core.")
    if threads_per_worker is None and engine == "ray":
        threads_per_worker = 1  # one actor per CPU: each takes its share, not every core
    # Fingerprinted before any worker loads the model: a file replaced later is redone.
    run_inputs = run_fingerprints(spec, complete, model_path)
    job = BatchJob(spec.name, str(model_path), complete, runtime, table_names, with_genes,
                   threads_per_worker,
                   out=str(Path(out).resolve()) if engine == "ray" else None,
                   run_inputs=run_inputs)
    # Fail before any work on a model that does not load or a target it lacks.
    adapter = load_job_model(BatchJob(spec.name, str(model_path), complete, runtime, table_names),
                             class_names=complete.get("class_names"))
    if "target" in complete:
        adapter.resolve_target(complete["target"])
    identity = {"method": spec.name, "settings": json_safe(complete),
                "tables": list(table_names) + (["genes"] if with_genes else [])}
    extra = {"model": str(model_path), "inputs": run_inputs, "engine": engine,
             "versions": versions(engine)}

    store = BatchStore(out)
    with store.open(identity, extra, overwrite=overwrite, lock_timeout=lock_timeout):
        pending, redo = resume_plan(store, sample_list, run_inputs)
        n_skipped = len(sample_list) - len(pending)
        bar = _Progress(len(sample_list), n_skipped, progress and bool(pending))
        by_id = {s.sample_id: s for s in sample_list}

        def on_start(sample: Sample) -> None:
            previous = store.samples().get(sample.sample_id, {})
            reason = redo.get(sample.sample_id)
            if reason is None and previous.get("status") == "running":
                reason = previous.get("redone_reason")  # a redo killed midway, resumed
            # Not flushed to disk: losing a "running" mark loses nothing finished (a redo
            # is flushed: its entry no longer vouches for the parts being replaced).
            store.update({**sample.as_dict(), "status": "running", "started": now_iso(),
                          "attempts": int(previous.get("attempts") or 0) + 1,
                          "redone_reason": reason}, sync=reason is not None)

        def on_result(outcome: dict) -> None:
            tables_out = outcome.pop("tables", None)
            sample = by_id[outcome["sample_id"]]
            if outcome["status"] == "done" and isinstance(tables_out, dict):
                try:
                    store.commit(sample.sample_id, tables_out)
                except (OSError, ValueError, ImportError) as err:
                    outcome.update(status="failed", error=f"writing the tables failed: {err!r}")
            if outcome["status"] != "done":  # no part of an earlier attempt stays visible
                try:
                    store.remove_parts(sample.sample_id)
                except OSError:
                    pass
            entry = store.samples().get(sample.sample_id, {})
            outcome["tables"] = list(tables_out) if outcome["status"] == "done" else []
            store.update({**entry, **sample.as_dict(), **outcome})
            bar.update(outcome)

        try:
            if pending and engine == "ray":
                from .ray_engine import run_on_ray

                run_on_ray(job, pending, on_start, on_result, workers=workers, address=address)
            elif pending:
                run_local(job, pending, on_start, on_result, adapter=adapter)
        finally:
            bar.close()
    status = batch_status(out)
    order = {s.sample_id: i for i, s in enumerate(sample_list)}
    status = status[status["sample_id"].isin(order)]
    status = status.sort_values("sample_id", key=lambda c: c.map(order)).reset_index(drop=True)
    status.attrs.update(out=str(out), n_done=int((status["status"] == "done").sum()),
                        n_failed=int((status["status"] == "failed").sum()), n_skipped=n_skipped,
                        n_redone=len(redo))
    return status


__all__ = ["ENGINES", "changed_inputs", "resume_plan", "run_batch", "run_local"]
