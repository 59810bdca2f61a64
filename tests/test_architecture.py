"""The one-way layout of ``coverage/``: wings in data-flow order, no import circles.

``catalogue`` (files -> tables) and ``physics`` (pure SI maths) are the two sources; then
``scenario`` (state -> physics inputs), ``products`` (frames with labels), ``render`` (deck,
images, GIS files) and ``cli``. A module may import its own wing or a wing before it, never one
after it; ``style`` (the shared vocabulary) and ``textsafe`` (text made safe for each sink) import
nothing from the package. Imports inside
functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coverage"

#: Wing -> rank; a module may import wings of lower rank and its own wing.
RANK = {
    "style": 0,
    "textsafe": 0,
    "physics": 1,
    "catalogue": 1,
    "scenario": 2,
    "products": 3,
    "render": 4,
    "cli": 5,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``coverage.*`` module ``path`` imports (any depth, including inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("coverage")}
        elif (
            isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("coverage")
        ):
            found.add(node.module)
            # ``from coverage.render import gis`` imports the module coverage.render.gis
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists():
                    found.add(sub)
    return found


GRAPH = {
    _module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py")) if p.name != "__main__.py"
}


def _wing(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_belongs_to_a_wing():
    strays = [m for m in GRAPH if m != "coverage" and _wing(m) not in RANK]
    assert not strays, f"modules outside the wings {sorted(RANK)}: {strays}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_only_to_earlier_wings(module):
    wing = _wing(module)
    if wing is None:
        assert not GRAPH[module], "coverage/__init__.py must import nothing"
        return
    bad = []
    for target in GRAPH[module]:
        other = _wing(target)
        if other is None or other == wing:
            continue
        if RANK[other] >= RANK[wing]:
            bad.append(target)
    assert not bad, f"{module} ({wing}) imports from a later or sibling wing: {sorted(bad)}"


def test_no_import_circles():
    """Depth-first search over the module graph: any back edge is a circle."""
    modules = {m: {t for t in targets if t in GRAPH and t != m} for m, targets in GRAPH.items()}
    # A package's __init__ is imported with each of its modules; count that edge too.
    for m in list(modules):
        parent = m.rsplit(".", 1)[0]
        if parent in modules and parent != m:
            modules[m].add(parent)
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(modules[node]):
            if state.get(nxt) == 1:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m, [m])
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_physics_reads_no_files_and_knows_no_catalogue():
    for path in (PACKAGE / "physics").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("read_csv", "open(", "read_text", "DATA_DIR", "streamlit", "--"):
            if needle == "--":
                # no CLI flag names in error messages
                assert 'f"--' not in text and "'--" not in text, f"{path.name} names a CLI flag"
                continue
            assert needle not in text, f"{path.name} uses {needle}"


def test_render_package_reexports_nothing():
    tree = ast.parse((PACKAGE / "render" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]


def test_the_circle_test_catches_a_circle(tmp_path, monkeypatch):
    """The search itself finds a circle when there is one (guards the test)."""
    fake = {"coverage.a.x": {"coverage.a.y"}, "coverage.a.y": {"coverage.a.x"}}
    monkeypatch.setattr(sys.modules[__name__], "GRAPH", fake)
    with pytest.raises(AssertionError, match="import circles"):
        test_no_import_circles()
