"""``deepg-interpret``: the command line for batch jobs.

Every registered method (``methods/registry.py``) is a sub-command with the same
common arguments; its own arguments come from its registry entry.

Examples
--------
deepg-interpret info --model checkpoint.h5
deepg-interpret ig --model checkpoint.h5 --fasta genomes.fasta --target 1 \\
    --baseline dinuc_shuffle --out result.parquet
deepg-interpret saliency --model checkpoint.h5 --fasta genomes.fasta --target 0 --out sal.csv
deepg-interpret simulate --preset entropy_high --n 2000 --out synthetic/
deepg-interpret run --manifest genomes.csv --model checkpoint.h5 --method ig --target 1 \\
    --steps 50 --window-step 200 --out runs/ig
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_OPTION_TYPES = {"int": int, "float": float, "str": str, "sequences": str}
_TABLE_SUFFIXES = (".parquet", ".csv.gz", ".csv", ".tsv.gz", ".tsv", ".txt")


def _target(text: str):
    """Targets on the command line: an integer is a 0-based index, anything else a class name."""
    try:
        return int(text)
    except ValueError:
        return text


def table_paths(out: Path, tables: tuple[str, ...], table: str) -> dict[str, Path]:
    """Output path of each table: ``OUT`` for the main one, ``OUT-stem.<table>.ext`` for others."""
    if table != "all":
        return {table: out}
    name = out.name
    for suffix in _TABLE_SUFFIXES:
        if name.lower().endswith(suffix):
            stem, ext = name[: -len(suffix)], name[-len(suffix):]
            break
    else:
        stem, ext = out.stem, out.suffix
    return {t: out if i == 0 else out.with_name(f"{stem}.{t}{ext}") for i, t in enumerate(tables)}


def _run_method(spec, args) -> int:
    from ..io.file_sets import check_replaceable, write_file_set
    from ..io.files import check_output_paths
    from ..model.adapter import load_model
    from ..results.tables import write_table

    paths = table_paths(Path(args.out), spec.tables, args.table)
    check_output_paths(list(paths.values()), tables=True)  # before hours of work, not after
    check_replaceable(list(paths.values()), overwrite=args.overwrite)
    class_names = [c.strip() for c in args.class_names.split(",")] if args.class_names else None
    model = load_model(args.model, output=args.output, class_names=class_names)
    kwargs = {o.name: getattr(args, o.name) for o in spec.options
              if getattr(args, o.name) is not None}
    encode_options = {"window_step": args.window_step, "pad": args.pad,
                      "ambiguous": args.ambiguous}
    if args.vocabulary:
        encode_options["vocabulary"] = tuple(args.vocabulary)
    result = spec.run(model, args.fasta, target=_target(args.target),
                      memory_budget=args.memory_budget, progress=not args.quiet,
                      **kwargs, **encode_options)
    tables = {name: result.table(name) for name in paths}
    written = write_file_set({
        path: (lambda tmp, df=tables[name], path=path: write_table(df, tmp, format_of=path))
        for name, path in paths.items()
    }, metadata={"method": spec.name,
                 "arguments": {k: v for k, v in vars(args).items() if k != "func"}})
    if not args.quiet:
        for name, path in paths.items():
            print(f"wrote {name:<11} {path}")
        summary = tables.get("summary")
        if summary is not None and "delta" in summary:
            print(f"{len(summary)} sequence(s), loader {model.loader}, "
                  f"max relative completeness gap {_completeness_gap(summary)}")
        print(f"run {written.run_id}: {len(paths)} table(s) committed together "
              f"(manifest {written.manifest})")
    return 0


def _completeness_gap(summary) -> str:
    """``max |delta| / |F(x) - F(x')|`` over the sequences where the output moved at all;
    "n/a" with the reason where it did not anywhere (an all-N input equals its baseline)."""
    import numpy as np

    span = (summary["f_input"] - summary["f_baseline"]).abs().to_numpy(dtype=float)
    delta = summary["delta"].abs().to_numpy(dtype=float)
    moved = np.isfinite(span) & (span > 0) & np.isfinite(delta)
    if not moved.any():
        return ("n/a (F(input) equals F(baseline) for every sequence, e.g. an all-N input, so "
                "there is no difference to complete)")
    return f"{float((delta[moved] / span[moved]).max()):.3g}"


def _cmd_info(args) -> int:
    from ..model.adapter import load_model

    adapter = load_model(args.model)
    info = {"maxlen": adapter.maxlen, "item_shape": list(adapter.item_shape),
            "n_channels": adapter.n_channels, "n_outputs": adapter.n_outputs,
            "loader": adapter.loader, "note": adapter.note,
            "layers": [type(layer).__name__ for layer in adapter.keras_model.layers]}
    print(json.dumps(info, indent=2))
    return 0


def _cmd_methods(args) -> int:
    from ..methods.registry import METHODS

    for spec in METHODS.values():
        if spec.on_command_line:
            print(f"{spec.cli_name or spec.name.replace('_', '-'):<18} {spec.summary}  "
                  f"[{spec.kind}; tables: {', '.join(spec.tables)}; R: {spec.r_wrapper}()]")
    print("\nFrom Python (deepg_interpret.explain) and R only:")
    for spec in METHODS.values():
        if not spec.on_command_line:
            print(f"  {spec.name:<22} {spec.summary}  [{spec.kind}; inputs: "
                  f"{', '.join(spec.inputs)}; R: {spec.r_wrapper}()]")
    return 0


def _cmd_simulate(args) -> int:
    from .. import synthetic

    data = synthetic.preset(args.preset, n=args.n, length=args.length, seed=args.seed)
    paths = synthetic.write_deepg_folders(data, args.out, validation_share=args.validation_share,
                                          seed=args.seed)
    if not args.quiet:
        print(json.dumps({k: str(v) for k, v in paths.items()}, indent=2))
    return 0


def _add_method_parser(sub, spec) -> None:
    from ..methods.registry import COMMON_CHOICES

    p = sub.add_parser(spec.cli_name or spec.name.replace("_", "-"), help=spec.summary,
                       description=f"{spec.summary} Writes the tables {', '.join(spec.tables)}.")
    p.add_argument("--model", required=True, help="checkpoint (.h5/.hdf5/.keras) or SavedModel dir")
    p.add_argument("--fasta", required=True, help="FASTA file (gzip ok)")
    p.add_argument("--target", required=True,
                   help="output to explain: 0-based index or class name (needs --class-names)")
    p.add_argument("--class-names", help="comma-separated output names, in output order")
    for option in spec.options:
        flag = "--" + option.name.replace("_", "-")
        if option.kind == "choice":
            p.add_argument(flag, default=option.default, choices=option.choices, help=option.help)
        else:
            p.add_argument(flag, type=_OPTION_TYPES[option.kind], default=option.default,
                           help=option.help)
    p.add_argument("--output", default="probability", choices=COMMON_CHOICES["output"])
    p.add_argument("--window-step", type=int, help="cut sequences longer than maxlen into windows")
    p.add_argument("--pad", choices=COMMON_CHOICES["pad"], help="pad sequences shorter than maxlen")
    p.add_argument("--ambiguous", default="zero", choices=COMMON_CHOICES["ambiguous"])
    p.add_argument("--vocabulary", help="channel letters in order, e.g. ACGTN (default ACGT)")
    p.add_argument("--memory-budget", default=None, help="per batch, e.g. 512M or 2G (default 1G)")
    p.add_argument("--table", default="all", choices=("all",) + spec.tables,
                   help="which table to write; 'all' writes OUT plus OUT.<table> for the others")
    p.add_argument("--out", required=True, help="output file: .parquet, .csv or .tsv (.gz ok)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace output files that deepg-interpret did not write")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=lambda args, spec=spec: _run_method(spec, args))


def build_parser() -> argparse.ArgumentParser:
    from ..methods.registry import command_line_methods
    from ..version import __version__

    parser = argparse.ArgumentParser(
        prog="deepg-interpret",
        description="Explain deepG/Keras genomic sequence models: which bases drive a prediction.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for spec in command_line_methods():
        _add_method_parser(sub, spec)

    info = sub.add_parser("info", help="what the engine sees in a model file")
    info.add_argument("--model", required=True)
    info.set_defaults(func=_cmd_info)

    methods = sub.add_parser("methods", help="list the methods and their tables")
    methods.set_defaults(func=_cmd_methods)

    sim = sub.add_parser("simulate", help="planted-motif data in deepG's folder layout")
    sim.add_argument("--preset", default="entropy_high")
    sim.add_argument("--n", type=int, default=10_000)
    sim.add_argument("--length", type=int, default=600)
    sim.add_argument("--validation-share", type=float, default=0.2)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--out", required=True, help="root folder for train/ and validation/")
    sim.add_argument("--quiet", action="store_true")
    sim.set_defaults(func=_cmd_simulate)

    from ..analysis.genome import add_genes_parser

    add_genes_parser(sub)  # FASTA + GFF + model -> gene table

    from .batch import add_run_parser

    add_run_parser(sub)  # `run`: many genomes, resumable, local or Ray (batch/command.py)
    return parser


def main(argv=None) -> int:
    from ..errors import DeepGInterpretError
    from ..model import tf_runtime

    args = build_parser().parse_args(argv)
    # The device line ("deepg-interpret: TensorFlow ... on CPU") goes to stderr, never to
    # stdout's tables; --quiet (or DEEPG_INTERPRET_QUIET=1) drops it.
    previous = tf_runtime.set_reporter(_silent) if getattr(args, "quiet", False) else None
    try:
        return args.func(args)
    except DeepGInterpretError as exc:
        # Our errors already say what to do: no traceback for them.
        print(f"deepg-interpret: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deepg-interpret: interrupted; no partial output was committed", file=sys.stderr)
        return 130
    finally:
        if getattr(args, "quiet", False):
            tf_runtime.set_reporter(previous)


def _silent(line: str) -> None:
    """The device line's reporter under --quiet."""

