"""collect sits above ingest: the layers below never import it, and it imports none above it."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

SRC = ROOT / "src" / "peelian"


def imported_modules(folder):
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name


def test_store_and_ingest_never_import_collect():
    offenders = [(str(p), m) for layer in ("store", "ingest") for p, m in imported_modules(SRC / layer)
                 if m.startswith("peelian.collect")]
    assert offenders == []


def test_collect_imports_only_the_layers_below_it():
    allowed = ("peelian.collect", "peelian.ingest", "peelian.store", "peelian.errors", "peelian._lazy")
    offenders = [(str(p), m) for p, m in imported_modules(SRC / "collect")
                 if m.startswith("peelian.") and not m.startswith(allowed)]
    assert offenders == []
