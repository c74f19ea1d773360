"""The demo corpus: seeded synthetic police and citizen posts in real platform formats.

`generate(out_dir, ...)` writes twarc2 JSONL pages (X) and Mastodon Status arrays, a registry
CSV, an expectations survey CSV, the ground truth (the true codes of every post) and a
manifest; `build_demo(project_path, ...)` creates a project and imports them through the
real importers. See docs/demo.md.
"""

from peelian.demo.build import build_demo, mastodon_importable
from peelian.demo.generate import DemoManifest, generate

__all__ = ["DemoManifest", "build_demo", "generate", "mastodon_importable"]
