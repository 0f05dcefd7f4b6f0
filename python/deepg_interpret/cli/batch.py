"""``deepg-interpret run``: the command line of :func:`~deepg_interpret.run_batch`.

Method options come from the registry (every registered method's ``Option``\\ s
become flags of ``run``; a flag is checked against the chosen ``--method`` and
converted by its option kind), so new methods need no change here. A flag whose
name ``run`` itself uses gets the method's short name in front: IG's integration
rule ``method`` is ``--ig-method``.

Settings can also come from a YAML or JSON spec (``--spec``); flags win::

    method: ig              # registry name or CLI name
    settings:               # the method's arguments, as in Python
      target: 1
      steps: 50
      method: gauss_legendre
      window_step: 200
    tables: [per_locus, summary]
    engine: ray
    workers: 8

Examples
--------
deepg-interpret run --manifest genomes.csv --model model.h5 --method ig --target 1 \\
    --steps 50 --window-step 200 --out runs/ig
deepg-interpret run --manifest genomes/ --model model.h5 --spec ig.yaml --engine ray \\
    --address auto --out runs/ig
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError

_CONVERT = {"int": int, "float": float, "str": str}
_RUN_KEYS = ("tables", "engine", "workers", "address", "threads_per_worker")
_ENCODING_FLAGS = {  # flag -> (setting, type)
    "output": ("output", str), "window_step": ("window_step", int), "pad": ("pad", str),
    "ambiguous": ("ambiguous", str), "maxlen": ("maxlen", int),
    "memory_budget": ("memory_budget", str), "batch_size": ("batch_size", int),
}


def _option_flags():
    """``flag -> (dest, {method: Option})`` over every registered method."""
    from ..methods.registry import command_line_methods

    taken = {"--manifest", "--model", "--method", "--spec", "--target", "--class-names",
             "--vocabulary", "--out", "--tables", "--engine", "--workers", "--address",
             "--threads-per-worker", "--overwrite", "--lock-timeout", "--quiet"}
    taken |= {"--" + name.replace("_", "-") for name in _ENCODING_FLAGS}
    flags: dict[str, tuple[str, dict]] = {}
    for spec in command_line_methods():
        short = spec.cli_name or spec.name.replace("_", "-")
        for option in spec.options:
            flag = "--" + option.name.replace("_", "-")
            if flag in taken:
                flag = f"--{short}-{option.name.replace('_', '-')}"
            dest = "opt__" + flag[2:].replace("-", "_")
            flags.setdefault(flag, (dest, {}))[1][spec.name] = option
    return flags


def add_run_parser(sub) -> None:
    """Add the ``run`` sub-command to the ``deepg-interpret`` parser."""
    p = sub.add_parser(
        "run", help="one method over many genomes: resumable Parquet dataset, local or on Ray",
        description="Run one method over every genome of a manifest (CSV/TSV with sample_id, "
                    "fasta[, label, gff]) or a deepG label-folder tree, into a Parquet dataset "
                    "partitioned by sample_id. Re-running skips finished samples and retries "
                    "failed ones; a finished sample whose inputs changed (FASTA, GFF, model, "
                    "background file: content fingerprints) is redone.")
    p.add_argument("--manifest", required=True, help="manifest CSV/TSV or label-folder root")
    p.add_argument("--model", required=True, help="checkpoint (.h5/.keras) or SavedModel dir")
    p.add_argument("--out", required=True, help="output folder (created; continued if it exists)")
    p.add_argument("--spec", help="YAML/JSON file with method, settings, tables (flags win)")
    p.add_argument("--method", help="registered method or its short name (default: ig)")
    p.add_argument("--target", help="output to explain: 0-based index or class name")
    p.add_argument("--class-names", help="comma-separated output names, in output order")
    for flag, (dest, owners) in _option_flags().items():
        helps = "; ".join(f"{m}: {o.help}" + (f" {list(o.choices)}" if o.choices else "")
                          for m, o in owners.items())
        p.add_argument(flag, dest=dest, default=argparse.SUPPRESS, help=helps,
                       metavar=flag[2:].upper().replace("-", "_"))
    for name, (_, kind) in _ENCODING_FLAGS.items():
        p.add_argument("--" + name.replace("_", "-"), type=kind, default=argparse.SUPPRESS)
    p.add_argument("--vocabulary", default=argparse.SUPPRESS, help="channel letters, e.g. ACGTN")
    p.add_argument("--tables", default=argparse.SUPPRESS,
                   help="comma-separated tables, or 'all' (default: all but attribution)")
    p.add_argument("--engine", choices=("local", "ray"), default=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, default=argparse.SUPPRESS,
                   help="local processes, or Ray actors (default 1 / the cluster's CPUs)")
    p.add_argument("--address", default=argparse.SUPPRESS, help="Ray cluster address, e.g. auto")
    p.add_argument("--threads-per-worker", type=int, default=argparse.SUPPRESS)
    p.add_argument("--overwrite", action="store_true",
                   help="discard an existing output with other settings")
    p.add_argument("--lock-timeout", type=float, default=0.0,
                   help="seconds to wait for another run on --out (default 0)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run_command)


def read_spec(path) -> dict:
    """A YAML (``.yaml``/``.yml``, needs PyYAML) or JSON spec file as a dict."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise InputError(f"Cannot read the spec {str(path)!r}: {err}") from err
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError as err:
                raise InputError("YAML specs need PyYAML (pip install pyyaml); or write the "
                                 "spec as JSON.") from err
            try:
                spec = yaml.safe_load(text)
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
                where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
                problem = getattr(err, "problem", None) or str(err).splitlines()[0]
                raise InputError(
                    f"The spec {str(path)!r} is not valid YAML{where}: {problem}; fix that line "
                    "(YAML wants 'key: value', two-space indents and no tabs).") from None
        else:
            try:
                spec = json.loads(text)
            except json.JSONDecodeError as err:
                raise InputError(
                    f"The spec {str(path)!r} is not valid JSON at line {err.lineno}, column "
                    f"{err.colno}: {err.msg}.") from None
    except (ValueError, ImportError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"The spec {str(path)!r} is not valid: {err}") from err
    if not isinstance(spec, dict):
        raise InputError(f"The spec {str(path)!r} must be a mapping (method, settings, ...).")
    return spec


def _target(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def _convert(option, value: str, flag: str):
    if option.kind == "choice":
        if value not in option.choices:
            raise InputError(f"{flag} {value!r}: choose one of {list(option.choices)}.")
        return value
    if option.kind == "sequences":
        return str(Path(value).resolve())
    try:
        return _CONVERT[option.kind](value)
    except (KeyError, ValueError):
        raise InputError(f"{flag} {value!r} is not a valid {option.kind}.") from None


def command_arguments(args) -> dict:
    """``run_batch`` keyword arguments from the parsed flags and the spec file."""
    from ..batch.job import resolve_method

    spec_file = read_spec(args.spec) if args.spec else {}
    settings = dict(spec_file.get("settings") or {})
    settings.update({k: v for k, v in spec_file.items()
                     if k not in ("method", "settings", *_RUN_KEYS)})
    method = resolve_method(args.method or spec_file.get("method") or "integrated_gradients")
    given = vars(args)
    for flag, (dest, owners) in _option_flags().items():
        if dest not in given:
            continue
        if method.name not in owners:
            raise InputError(f"{flag} is not an option of {method.name}; its options: "
                             f"{[o.name for o in method.options]}.")
        settings[owners[method.name].name] = _convert(owners[method.name], given[dest], flag)
    for name, (setting, _) in _ENCODING_FLAGS.items():
        if name in given:
            settings[setting] = given[name]
    if "vocabulary" in given:
        settings["vocabulary"] = tuple(given["vocabulary"])
    if args.target is not None:
        settings["target"] = _target(args.target)
    if args.class_names:
        settings["class_names"] = [c.strip() for c in args.class_names.split(",")]
    kwargs = {k: spec_file[k] for k in _RUN_KEYS if k in spec_file}
    kwargs.update({k: given[k] for k in _RUN_KEYS if k in given})
    return {"samples": args.manifest, "model": args.model, "method": method.name,
            "out": args.out, "settings": settings, "overwrite": args.overwrite,
            "lock_timeout": args.lock_timeout, "progress": not args.quiet, **kwargs}


def run_command(args) -> int:
    """Run the batch; exit status 0 when every sample is done, 1 when some failed."""
    from ..batch.runner import run_batch

    status = run_batch(**command_arguments(args))
    failed = status[status["status"] == "failed"]
    if not args.quiet:
        a = status.attrs
        redone = (f", {a['n_redone']} redone because their inputs changed"
                  if a.get("n_redone") else "")
        print(f"run {a.get('run_id')} in {a.get('out')}: {a['n_done']} done "
              f"({a['n_skipped']} from earlier runs{redone}), {a['n_failed']} failed")
    for row in failed.itertuples():
        first_line = str(row.error).splitlines()[0] if row.error else ""
        print(f"failed: {row.sample_id}: {first_line}", file=sys.stderr)
    if len(failed):
        print("deepg-interpret: re-run the same command to retry the failed samples",
              file=sys.stderr)
    return 1 if len(failed) else 0


__all__ = ["add_run_parser", "command_arguments", "read_spec", "run_command"]
