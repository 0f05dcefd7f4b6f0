"""``deepg-interpret``: the command line for batch jobs.

Examples
--------
deepg-interpret info --model checkpoint.h5
deepg-interpret ig --model checkpoint.h5 --fasta genomes.fasta --target 1 \\
    --baseline dinuc_shuffle --out result.parquet
deepg-interpret simulate --preset entropy_high --n 2000 --out synthetic/
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _target(text: str):
    """Targets on the command line: an integer is a 0-based index, anything else a class name."""
    try:
        return int(text)
    except ValueError:
        return text


def _table_paths(out: Path, table: str) -> dict[str, Path]:
    if table != "all":
        return {table: out}
    name = out.name
    for suffix in (".parquet", ".csv.gz", ".csv", ".tsv.gz", ".tsv"):
        if name.lower().endswith(suffix):
            stem, ext = name[: -len(suffix)], name[-len(suffix):]
            break
    else:
        stem, ext = out.stem, out.suffix
    return {
        "attribution": out,
        "per_locus": out.with_name(f"{stem}.per_locus{ext}"),
        "summary": out.with_name(f"{stem}.summary{ext}"),
    }


def _cmd_ig(args) -> int:
    from . import integrated_gradients, load_model
    from .tables import write_table

    class_names = args.class_names.split(",") if args.class_names else None
    model = load_model(args.model, output=args.output, class_names=class_names)
    result = integrated_gradients(
        model, args.fasta, target=_target(args.target), baseline=args.baseline, steps=args.steps,
        n_baselines=args.n_baselines, method=args.method, seed=args.seed,
        memory_budget=args.memory_budget, window_step=args.window_step, pad=args.pad,
        ambiguous=args.ambiguous, progress=not args.quiet,
    )
    tables = result.tables()
    written = {}
    for name, path in _table_paths(Path(args.out), args.table).items():
        written[name] = write_table(tables[name], path)
    summary = tables["summary"]
    if not args.quiet:
        for name, path in written.items():
            print(f"wrote {name:<11} {path}")
        gap = (summary["delta"].abs() / (summary["f_input"] - summary["f_baseline"]).abs()).max()
        print(f"{len(summary)} sequence(s), loader {model.loader}, max relative completeness gap {gap:.3g}")
    return 0


def _cmd_info(args) -> int:
    from . import load_model

    adapter = load_model(args.model)
    info = {"maxlen": adapter.maxlen, "item_shape": list(adapter.item_shape),
            "n_channels": adapter.n_channels, "n_outputs": adapter.n_outputs,
            "loader": adapter.loader, "note": adapter.note,
            "layers": [type(layer).__name__ for layer in adapter.keras_model.layers]}
    print(json.dumps(info, indent=2))
    return 0


def _cmd_simulate(args) -> int:
    from . import synthetic

    data = synthetic.preset(args.preset, n=args.n, length=args.length, seed=args.seed)
    paths = synthetic.write_deepg_folders(data, args.out, validation_share=args.validation_share,
                                          seed=args.seed)
    if not args.quiet:
        print(json.dumps({k: str(v) for k, v in paths.items()}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="deepg-interpret",
        description="Explain deepG/Keras genomic sequence models: which bases drive a prediction.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    ig = sub.add_parser("ig", help="Integrated Gradients for the sequences of a FASTA file")
    ig.add_argument("--model", required=True, help="checkpoint (.h5/.hdf5/.keras) or SavedModel dir")
    ig.add_argument("--fasta", required=True, help="FASTA file (gzip ok)")
    ig.add_argument("--target", required=True,
                    help="output to explain: 0-based index or class name (needs --class-names)")
    ig.add_argument("--class-names", help="comma-separated output names, in output order")
    ig.add_argument("--baseline", default="zero",
                    choices=["zero", "uniform", "shuffle", "dinuc_shuffle", "gc_matched"])
    ig.add_argument("--steps", type=int, default=50)
    ig.add_argument("--n-baselines", type=int, default=1)
    ig.add_argument("--method", default="trapezoid",
                    choices=["trapezoid", "left", "right", "midpoint", "gauss_legendre"])
    ig.add_argument("--output", default="probability", choices=["probability", "logit"])
    ig.add_argument("--seed", type=int)
    ig.add_argument("--window-step", type=int, help="cut sequences longer than maxlen into windows")
    ig.add_argument("--pad", choices=["left", "right"], help="pad sequences shorter than maxlen")
    ig.add_argument("--ambiguous", default="zero", choices=["zero", "equal", "discard"])
    ig.add_argument("--memory-budget", default=None, help="per batch, e.g. 512M or 2G (default 1G)")
    ig.add_argument("--table", default="all", choices=["all", "attribution", "per_locus", "summary"],
                    help="which table to write; 'all' writes OUT plus OUT.per_locus / OUT.summary")
    ig.add_argument("--out", required=True, help="output file: .parquet, .csv or .tsv")
    ig.add_argument("--quiet", action="store_true")
    ig.set_defaults(func=_cmd_ig)

    info = sub.add_parser("info", help="what the engine sees in a model file")
    info.add_argument("--model", required=True)
    info.set_defaults(func=_cmd_info)

    sim = sub.add_parser("simulate", help="planted-motif data in deepG's folder layout")
    sim.add_argument("--preset", default="entropy_high")
    sim.add_argument("--n", type=int, default=10_000)
    sim.add_argument("--length", type=int, default=600)
    sim.add_argument("--validation-share", type=float, default=0.2)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--out", required=True, help="root folder for train/ and validation/")
    sim.add_argument("--quiet", action="store_true")
    sim.set_defaults(func=_cmd_simulate)
    return parser


def main(argv=None) -> int:
    from .errors import DeepGInterpretError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DeepGInterpretError as exc:
        # Our errors already say what to do: no traceback for them.
        print(f"deepg-interpret: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
