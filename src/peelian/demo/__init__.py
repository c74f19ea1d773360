"""The demo corpus: seeded synthetic police and citizen posts in real platform formats.

`generate(out_dir, ...)` writes twarc2 JSONL pages (X) and Mastodon Status arrays, a registry
CSV, an expectations survey CSV, the ground truth (the true codes of every post) and a
manifest; `build_demo(project_path, ...)` creates a project and imports them through the
real importers. See docs/demo.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

# The generator is plain Python and its function shares its module's name, so it is imported here (a lazy
# name must not be a submodule's, see peelian._lazy); `build_demo` loads the import pipeline and DuckDB,
# so it is imported on first use.
from peelian.demo.generate import DemoManifest, generate

if TYPE_CHECKING:
    from peelian.demo.build import build_demo, mastodon_importable

__getattr__, __dir__, _ = lazy_exports(__name__, {"build": ("build_demo", "mastodon_importable")})
__all__ = ["DemoManifest", "build_demo", "generate", "mastodon_importable"]
