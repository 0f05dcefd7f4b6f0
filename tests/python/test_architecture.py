"""The house rules the code base keeps (docs/architecture.md): layers, one-way imports,
no private crossings, no cycles, small modules, a small root and one registry.

Layers, lowest first. A module may import from its own layer or lower ones, never
higher, not even inside a function:

0. the root's ``errors``, ``checks`` (shared argument checks), ``version``
1. ``dna/`` (alphabet, one-hot, FASTA, backgrounds, baselines, PWMs) and ``model/``
   (loading, the adapter, Keras 2/3)
2. ``io/`` (file sets, locks, annotations, motif databases, deepG folders)
3. ``core/`` (batching, preparation, decisions, summaries)
4. ``results/`` (typed results and their tidy tables)
5. ``methods/`` (every method family and the registry)
6. ``analysis/`` and ``synthetic/``
7. ``batch/`` and ``plots/``
8. ``cli/`` and ``r_bridge/``
9. the package ``__init__`` (the public API)
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import deepg_interpret as dg

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "deepg_interpret"
MAX_LINES = 600  # "a module over ~600 lines is doing several jobs"
MAX_ROOT_MODULES = 6

LAYERS = {
    "errors": 0, "checks": 0, "version": 0,
    "dna": 1, "model": 1,
    "io": 2,
    "core": 3,
    "results": 4,
    "methods": 5,
    "analysis": 6, "synthetic": 6,
    "batch": 7, "plots": 7,
    "cli": 8, "r_bridge": 8,
}
TOP = 9


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _name_of(path: Path) -> tuple[str, ...]:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_module(parts: tuple[str, ...]) -> bool:
    where = PACKAGE.joinpath(*parts)
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def _layer_of(parts: tuple[str, ...]) -> int:
    return LAYERS.get(parts[0], TOP) if parts else TOP


def _imports(path: Path):
    """``(line, module, names)`` for every package-internal import in ``path``.

    ``module`` is the imported module as dotted parts (``()`` is the package root);
    a name that is itself a submodule (``from . import gia``) counts as that module.
    """
    here = _name_of(path)
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (tuple(node.module.split(".")) if node.module else ())
            elif node.module and node.module.split(".")[0] == "deepg_interpret":
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            plain = []
            for alias in node.names:
                if _is_module(target + (alias.name,)):
                    yield node.lineno, target + (alias.name,), []
                else:
                    plain.append(alias.name)
            if plain:
                yield node.lineno, target, plain
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "deepg_interpret":
                    yield node.lineno, tuple(alias.name.split(".")[1:]), []


IDS = {"ids": lambda p: str(p.relative_to(PACKAGE))}


@pytest.mark.parametrize("path", _modules(), **IDS)
def test_module_is_small(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.name} has {n} lines; split it by job (limit {MAX_LINES})"


def test_the_root_keeps_at_most_six_modules():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


@pytest.mark.parametrize("path", _modules(), **IDS)
def test_imports_run_downward(path):
    here = _name_of(path)
    mine = _layer_of(here) if here else TOP
    upward = [f"line {line}: {'.'.join(target) or 'deepg_interpret'} (layer {_layer_of(target)})"
              for line, target, _ in _imports(path)
              if target != here and _layer_of(target) > mine]
    assert not upward, f"{'.'.join(here)} (layer {mine}) imports upward: {upward}"


@pytest.mark.parametrize("path", _modules(), **IDS)
def test_no_private_names_cross_modules(path):
    here = _name_of(path)
    crossings = [f"line {line}: {'.'.join(target)}: {name}"
                 for line, target, names in _imports(path) if target != here
                 for name in names + ([target[-1]] if target else [])
                 if name.startswith("_") and not name.startswith("__")]
    assert not crossings, f"{'.'.join(here)} imports private names: {crossings}"


def test_no_import_cycles():
    graph: dict[tuple, set] = {}
    for path in _modules():
        here = _name_of(path)
        graph[here] = {t for _, t, _ in _imports(path) if t != here and t}
    # Tarjan's strongly connected components; any component of two or more is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(".".join(top))
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_methods_know_nothing_about_r():
    for path in (PACKAGE / "methods").rglob("*.py"):
        text = path.read_text()
        assert "reticulate" not in text and "r_bridge" not in text, path.name


def test_every_public_method_is_registered():
    """Each public function that returns a method result, or aggregates one, has an entry."""
    from deepg_interpret.methods.registry import METHODS
    from deepg_interpret.results import MethodResult

    registered = {spec.function for spec in METHODS.values()}
    missing = []
    public = [(name, getattr(dg, name)) for name in dg.__all__]
    public += [(f"gia.{name}", getattr(dg.gia, name)) for name in dg.gia.__all__]
    for name, obj in public:
        if (not inspect.isfunction(obj) or not obj.__module__.startswith("deepg_interpret.methods")
                or obj.__module__ == "deepg_interpret.methods.registry"):
            continue
        if name in ("integration_points", "gia.make_backgrounds"):
            continue  # helpers of a method (IG's points, GIA's null model), not methods
        if obj not in registered:
            missing.append(name)
    assert not missing, f"public methods outside the registry: {missing}"
    for spec in METHODS.values():
        assert spec.kind in ("per_base", "per_segment", "experiment", "optimization",
                             "aggregation"), spec.name
        assert isinstance(spec.result_type, type), spec.name
        if issubclass(spec.result_type, MethodResult):
            assert spec.tables, spec.name


def test_r_imports_only_the_public_api_and_the_bridge():
    import re

    r_dir = PACKAGE.parents[1] / "R"
    allowed = {"deepg_interpret", "deepg_interpret.r_bridge"}
    found = {}
    for path in sorted(r_dir.glob("*.R")):
        for name in re.findall(r"['\"](deepg_interpret[\w.]*)['\"]", path.read_text()):
            found.setdefault(name, []).append(path.name)
    assert set(found) <= allowed, {k: v for k, v in found.items() if k not in allowed}
    assert "deepg_interpret.r_bridge" in found
