"""No layer imports a layer above it (docs/architecture.md), lazy imports inside functions included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "peelian"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

# Lowest first, as in the layer table of docs/architecture.md: a layer may import only those before it.
LAYERS = [
    "errors", "store", "ingest", "collect", "demo", "coding", "classify", "metrics", "triage", "network",
    "assess", "national", "report", "checks", "web", "cli",
]
# Top-level modules that are no layer: shared plumbing any layer may use.
NOT_LAYERS = {"__init__", "_lazy"}


def imported_layers(source: str) -> list[tuple[int, str]]:
    """(line, layer) for every `peelian.<layer>` the source imports, at any depth of the tree."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = ([f"peelian.{alias.name}" for alias in node.names] if node.module == "peelian"
                       else [node.module])
        else:
            continue
        found += [(node.lineno, parts[1]) for parts in (m.split(".") for m in modules)
                  if parts[0] == "peelian" and len(parts) > 1 and parts[1] in LAYERS]
    return found


def violations(layer: str, source: str) -> list[str]:
    rank = LAYERS.index(layer)
    return [f"line {line}: {layer} imports {target}" for line, target in imported_layers(source)
            if LAYERS.index(target) > rank]


def test_layer_list_mirrors_the_architecture_table() -> None:
    table = re.findall(r"^\| \w+ \| `peelian\.(\w+)` \|", ARCHITECTURE.read_text(encoding="utf-8"), re.M)
    assert table == LAYERS


def test_every_top_level_module_is_a_layer() -> None:
    names = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
             if (p.suffix == ".py") or (p / "__init__.py").is_file()}
    assert names - NOT_LAYERS == set(LAYERS)


def test_no_layer_imports_a_higher_one() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        layer = path.relative_to(SRC).parts[0].removesuffix(".py")
        if layer in LAYERS:
            found += [f"{path.relative_to(SRC)} {v}" for v in violations(layer, path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_sees_lazy_and_package_imports() -> None:
    source = (
        "from peelian.store import Project\n"
        "def f():\n"
        "    import peelian.web.app\n"
        "    from peelian import cli\n"
        "    from peelian.errors import PeelianError\n"
    )
    assert violations("metrics", source) == ["line 3: metrics imports web", "line 4: metrics imports cli"]
