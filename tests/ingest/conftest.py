"""Fixtures for the importer tests."""

from __future__ import annotations

import pytest

from peelian import Project


@pytest.fixture
def plain(tmp_path):
    """A project that keeps citizen identities, for tests that assert on real handles."""
    proj = Project.init(tmp_path / "plain.peelian", pseudonymise_citizens=False)
    yield proj
    proj.close()
