"""The layers' packages re-export lazily (peelian._lazy): every name still resolves, the names type
checkers see are the names offered, and importing one submodule does not load its whole layer."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest

from peelian._lazy import lazy_exports
from tests.conftest import ROOT

LAZY = ("ingest", "metrics", "network", "coding", "web", "store")


@pytest.mark.parametrize("layer", LAZY)
def test_every_exported_name_resolves_to_its_module_attribute(layer):
    package = importlib.import_module(f"peelian.{layer}")
    source = (ROOT / "src" / "peelian" / layer / "__init__.py").read_text()
    typed = {alias.name: node.module for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"peelian.{layer}.")
             for alias in node.names}
    assert set(typed) == set(package.__all__), "the TYPE_CHECKING imports and the lazy exports differ"
    for name, module in typed.items():
        assert getattr(package, name) is getattr(importlib.import_module(module), name), name
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018


def test_a_name_that_is_also_a_submodule_is_refused():
    with pytest.raises(ValueError, match="also submodules"):
        lazy_exports("peelian.example", {"views": ("views",)})


def test_importing_one_submodule_does_not_load_the_layer():
    code = ("import sys, peelian.metrics.params, peelian.ingest.formats, peelian.coding.codebook; "
            "print(sorted(m for m in ('peelian.metrics.views', 'peelian.metrics.metric_set', 'peelian.ingest.pipeline', "
            "'peelian.coding.gold', 'peelian.coding.agreement') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
