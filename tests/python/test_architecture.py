"""The house rules the code base must keep: small modules, imports that only run downward.

Layers, lowest first (a module may import from its own layer or lower ones, never higher,
not even inside a function):

0. ``errors``, ``alphabet``, ``_checks`` (shared argument checks)
1. ``io/*``, ``backgrounds``, ``motifs``, ``baselines``, ``summaries``
2. ``core/*``, ``tables``
3. ``results``
4. ``methods/*``
5. everything that uses methods: ``evaluate``, ``synthetic``, ``plots``,
   ``reference_models``, ``r_bridge``, ``cli``, the package ``__init__``
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "deepg_interpret"
MAX_LINES = 650  # "a module over ~600 lines is doing several jobs"

LAYERS = {
    "errors": 0, "alphabet": 0, "_checks": 0,
    "io": 1, "backgrounds": 1, "motifs": 1, "baselines": 1, "summaries": 1,
    "core": 2, "tables": 2,
    "results": 3,
    "methods": 4,
}
TOP = 5


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer_of(parts: tuple[str, ...]) -> int:
    if not parts or parts == ("__init__",):
        return TOP
    return LAYERS.get(parts[0], TOP)


def _relative_parts(path: Path) -> tuple[str, ...]:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return tuple(rel.parts)


def _imported(path: Path):
    """Package-internal modules imported anywhere in ``path`` (as dotted parts)."""
    tree = ast.parse(path.read_text())
    here = _relative_parts(path)
    package = here[:-1] if here[-1] != "__init__" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + tuple(node.module.split(".")) if node.module else base
                names = [target + (a.name,) for a in node.names] if not node.module else [target]
            elif node.module and node.module.split(".")[0] == "deepg_interpret":
                names = [tuple(node.module.split(".")[1:])]
            else:
                continue
            for name in names:
                yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "deepg_interpret":
                    yield node.lineno, tuple(alias.name.split(".")[1:])


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.name} has {n} lines; split it by job (limit ~600)"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_downward(path):
    here = _relative_parts(path)
    mine = _layer_of(here)
    upward = []
    for line, target in _imported(path):
        if target and target[0] == "__init__":
            continue
        # `from .. import __version__` (the package root) is metadata, allowed anywhere
        if not target or target[0] in ("__version__",):
            continue
        if _layer_of(target) > mine:
            upward.append(f"line {line}: {'.'.join(target)} (layer {_layer_of(target)})")
    assert not upward, f"{'/'.join(here)} (layer {mine}) imports upward: {upward}"


def test_methods_know_nothing_about_r():
    for path in (PACKAGE / "methods").rglob("*.py"):
        text = path.read_text()
        assert "reticulate" not in text and "r_bridge" not in text, path.name
