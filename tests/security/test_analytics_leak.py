"""The analytics formats (X Analytics, Hootsuite, CrowdTangle post history) leave no citizen's
handle, page name or id anywhere, and their metric snapshots meet their posts under the
pseudonymised ids, when the account they describe is not in the registry."""

from __future__ import annotations

from peelian import Project
from peelian.ingest import import_files
from tests.conftest import DATA
from tests.security.test_pseudonym_leak import Leaks, scan_database, scan_exports, scan_folder

FORMATS = DATA / "formats"
FILES = [FORMATS / "x_analytics" / "tweet_activity_metrics_ExamplePolice_20220201_20220301_en.csv",
         FORMATS / "hootsuite" / "facebook_posts.csv", FORMATS / "hootsuite" / "facebook_post_performance.csv",
         FORMATS / "crowdtangle_history" / "post_history.csv"]
# the accounts these files name: the tweeting account, a citizen it answers, the Facebook page (id and name)
SECRETS = {"ExamplePolice", "resident_a", "100064123456789", "Eyewatch - Example Police Service Area"}


def test_analytics_exports_leave_no_identity_outside_the_registry(cli, tmp_path):
    leaks = Leaks(SECRETS)
    path = tmp_path / "leak.peelian"
    project = Project.init(path)
    try:
        reports = import_files(project, FILES, options={"observed_at": "2022-03-05"})
        assert all(r.reconciles and not r.quarantined for r in reports)
        scan_database(project, leaks)
        assert project.scalar("SELECT count(*) FROM metric_snapshots") > 0
        assert project.scalar("SELECT count(*) FROM metric_snapshots s WHERE NOT EXISTS (SELECT 1 FROM posts p "
                              "WHERE p.platform = s.platform AND p.post_id = s.post_id)") == 0
    finally:
        project.close()
    scan_exports(cli, path, tmp_path / "exports", leaks)
    with Project.open(path) as project:
        scan_folder(project, leaks)
    assert not leaks.hits, "citizens' handles or ids left in plain text:\n" + leaks.report()
