"""Lazy re-exports for the layers' package `__init__` files.

A package names what it offers and the module each name lives in; the module is imported when the
name is first used. So `from peelian.metrics.params import MetricParams`, or the CLI listing its
commands, does not load the whole layer (and with it pyarrow, networkx or the web stack).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, from {submodule: names it exports}.

    A name must not be the name of a submodule too: once that submodule is imported, the package
    attribute would be the module, not the name."""
    where = {name: module for module, names in exports.items() for name in names}
    clash = set(where) & set(exports)
    if clash:
        raise ValueError(f"{package}: exported names that are also submodules: {sorted(clash)}")

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # later lookups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__, sorted(where)
