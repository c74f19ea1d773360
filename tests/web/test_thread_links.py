"""Every "Open thread" link the explorer gives an admin opens the thread: a conversation id that holds
slashes (Bluesky `at://…`, ActivityPub status URIs) was cut at the first one and answered 404."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from peelian import Project
from peelian.ingest import import_files
from peelian.store.users import add_user
from tests.conftest import SHARED_FIXTURES
from tests.web.conftest import PASSWORD, log_in, risk_model_loaded  # noqa: F401  (fixture used by name)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_thread_links_of_bluesky_posts_open(tmp_path, role: str) -> None:
    from peelian.web.app import create_app

    source = SHARED_FIXTURES / "bluesky"
    if not source.is_dir():
        pytest.skip("../shared/fixtures/bluesky is not present")
    project = Project.init(tmp_path / "b.peelian")
    try:
        import_files(project, sorted(p for p in source.iterdir() if p.is_file()))
        add_user(project, "someone", PASSWORD, role)
        with TestClient(create_app(project.path, project=project)) as client:
            assert log_in(client, "someone").status_code == 303
            links = sorted(set(re.findall(r'href="(/thread/[^"#]+)', client.get("/explorer").text)))
            assert links and any("/thread/bluesky/" in link for link in links)
            for link in links:
                page = client.get(link.replace("&amp;", "&"))
                assert page.status_code == 200, (link, page.status_code)
                assert 'class="thread"' in page.text
    finally:
        project.close()
