"""Build a demo project: create it, generate the corpus next to it, import through the real pipeline.

Nothing here bypasses the product: the registry goes through `import_registry` and the
platform files through `import_files`, exactly as a user's own exports would, so the demo
exercises format detection, identity resolution, pseudonymisation and the quarantine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from peelian.demo.generate import DemoManifest, ProgressCallback, generate
from peelian.demo.orgs import generate_networks
from peelian.ingest import available_formats, import_files
from peelian.store.project import Project
from peelian.store.registry import import_registry

SOURCE_FOLDER = "demo-source"


def mastodon_importable() -> bool:
    """Whether this Peelian has an importer for Mastodon statuses (else the demo writes X files only)."""
    return any(cls.platform == "mastodon" for cls in available_formats().values())


def build_demo(
    project_path: str | Path,
    *,
    posts: int = 20_000,
    seed: int = 7,
    forces: int = 4,
    months: int = 4,
    start: str = "2025-02-01",
    progress: ProgressCallback | None = None,
    import_progress: Callable[[str, int], None] | None = None,
) -> DemoManifest:
    """Create a new project at `project_path` holding the demo corpus; raises if it exists.

    The files go to `<project>.d/demo-source/` (with the ground truth and the expectations
    survey CSV); the manifest's `reports` are the import reports, one per file.
    """
    project = Project.init(Path(project_path))
    try:
        manifest = generate(project.subfolder(SOURCE_FOLDER), posts=posts, seed=seed, forces=forces, months=months,
                            start=start, mastodon=None if mastodon_importable() else False, progress=progress)
        import_registry(project, manifest.registry_csv)
        manifest.reports = import_files(project, manifest.files, progress=import_progress)
        manifest.networks = asdict(generate_networks(manifest.out_dir, seed=seed))
        project.audit("demo", target=str(project_path), detail={"posts": posts, "seed": seed, "forces": forces})
    finally:
        project.close()
    return manifest
