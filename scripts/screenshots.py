"""Take the screenshots in docs/screenshots/ from a freshly built demo project.

    python scripts/screenshots.py                  # ~3,000 demo posts, PNGs into docs/screenshots/
    python scripts/screenshots.py --posts 20000 --out /tmp/shots

Builds the demo corpus (peelian.demo.build_demo) with its expectations survey, adds a
user per role and a small coding sample, serves the app with uvicorn on a free localhost
port, logs in with Debian's chromium through Playwright and saves the dashboard, explorer,
thread view, unanswered queue, coding page, the monthly force report, and the Assessment (with a few
answers recorded for the busiest force) and Benchmark pages. `--only assessment,benchmark` saves only those.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "screenshot-password"


def build(folder: Path, posts: int) -> Path:
    from peelian import Project
    from peelian.coding.samples import create_sample
    from peelian.demo import build_demo
    from peelian.metrics.expectations import import_expectations
    from peelian.store.users import add_user

    path = folder / "demo.peelian"
    manifest = build_demo(path, posts=posts)
    with Project.open(path) as project:
        if manifest.expectations_csv.exists():
            import_expectations(project, manifest.expectations_csv)
        for name, role in (("admin", "admin"), ("ana", "analyst"), ("cody", "coder"), ("vic", "viewer")):
            add_user(project, name, PASSWORD, role)
        create_sample(project, "pilot", 40, coders=["cody"], seed=5, overlap=0.0)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shoot(path: Path, out: Path, only: set[str] | None = None) -> list[Path]:
    from urllib.parse import quote

    import uvicorn
    from playwright.sync_api import sync_playwright

    from peelian import Project
    from peelian.assess import record_answers
    from peelian.report.force_report import write_force_report
    from peelian.web.app import create_app

    project = Project.open(path)
    force = project.scalar("SELECT author_force FROM posts WHERE author_force IS NOT NULL "
                           "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    month = project.scalar("SELECT strftime(max(created_at) - INTERVAL 20 DAY, '%Y-%m') FROM posts")
    conversation = project.scalar(
        "SELECT coalesce(conversation_id, post_id) AS conv FROM posts GROUP BY conv "
        "HAVING count(*) FILTER (WHERE author_role = 'police') >= 2 AND count(*) FILTER (WHERE author_role = "
        "'citizen') >= 2 ORDER BY count(*) DESC LIMIT 1")
    platform = project.scalar("SELECT platform FROM posts WHERE coalesce(conversation_id, post_id) = ? LIMIT 1",
                              [conversation])
    report = write_force_report(project, force, month, out / "force-report.html")[0]
    record_answers(project, force, {"strategy": 3, "answered_within_hour": 5, "training": 2, "objectives": 3,
                                    "reporting": 2, "horizon_scanning": 2}, user="ana", source="screenshots")
    app = create_app(path, project=project)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    shots = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)

            def page_for(username: str):
                page = browser.new_page(viewport={"width": 1360, "height": 900})
                page.goto(base + "/login")
                page.fill("#username", username)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                return page

            analyst = page_for("ana")
            for name, url, wait in (
                ("dashboard", "/", ".vega[data-rendered] svg"),
                ("explorer", "/explorer?role=police&kind=reply", "#results article.post"),
                ("thread", f"/thread/{platform}/{conversation}", "ol.thread li.turn"),
                ("unanswered", "/unanswered", "main table"),
                ("assessment", f"/assessment?force={quote(force)}", "#chart-pillars .vega[data-rendered] svg"),
                ("benchmark", "/benchmark", "#chart-bench-response_rate .vega[data-rendered] svg"),
            ):
                if only is not None and name not in only:
                    continue
                analyst.goto(base + url)
                analyst.wait_for_selector(wait)
                if name in ("dashboard", "assessment", "benchmark"):
                    analyst.wait_for_function(
                        "() => document.querySelectorAll('.vega[data-rendered]').length === "
                        "document.querySelectorAll('.vega').length")
                shots.append(out / f"{name}.png")
                analyst.screenshot(path=str(shots[-1]), full_page=name in ("dashboard", "assessment", "benchmark"))
            if only is not None:
                browser.close()
                return shots
            coder = page_for("cody")
            coder.wait_for_selector("#dimensions .dimension")
            shots.append(out / "coding.png")
            coder.screenshot(path=str(shots[-1]))
            viewer = page_for("vic")
            viewer.goto(base + "/explorer?role=citizen")
            viewer.wait_for_selector("#results article.post")
            shots.append(out / "explorer-viewer.png")
            viewer.screenshot(path=str(shots[-1]))
            paper = browser.new_page(viewport={"width": 1000, "height": 1200})
            paper.goto(report.resolve().as_uri())
            paper.wait_for_function("() => document.body.dataset.charts === 'done'")
            shots.append(out / "force-report.png")
            paper.screenshot(path=str(shots[-1]), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        project.close()
        report.unlink()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="comma-separated page names to save (e.g. assessment,benchmark)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peelian-shots-") as folder:
        only = {x.strip() for x in args.only.split(",")} if args.only else None
        for shot in shoot(build(Path(folder), args.posts), args.out, only):
            print(f"wrote {shot}")


if __name__ == "__main__":
    main()
