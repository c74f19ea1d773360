"""The browser tests wait on page state, never on the clock, so a loaded machine only slows them down.

A fixed sleep or a short timeout passes on an idle machine and fails on a busy one (an 8 s
page timeout once turned `make test` red on a loaded 2-core machine). This reads the browser
tests' source: no sleeps or fixed waits in a test, and no timeout shorter than the generous
one that `wait_generously` gives every browser context and `expect`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.web.conftest import BROWSER_TIMEOUT_MS

BROWSER_TESTS = Path(__file__).with_name("test_browser.py")
FIXED_WAITS = {"sleep", "wait_for_timeout"}
TIMEOUT_SETTERS = {"set_default_timeout", "set_default_navigation_timeout", "set_options"}


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _short_timeouts(call: ast.Call) -> list[int | float]:
    """Numeric timeouts (ms) below the generous one, given as keyword or to a timeout setter."""
    values = [k.value for k in call.keywords if k.arg == "timeout"]
    if _name(call) in TIMEOUT_SETTERS:
        values += call.args
    return [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, int | float)
            and v.value < BROWSER_TIMEOUT_MS]


def problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                if _name(call) in FIXED_WAITS:
                    found.append(f"line {call.lineno}: {node.name} waits a fixed time ({_name(call)})")
        # Thread.join counts seconds, not milliseconds, and only bounds the server's shutdown
        if isinstance(node, ast.Call) and (short := _short_timeouts(node)) and _name(node) != "join":
            found.append(f"line {node.lineno}: {_name(node)} with a short timeout {short[0]}")
    return found


def test_the_browser_tests_wait_on_page_state_with_generous_timeouts() -> None:
    assert BROWSER_TIMEOUT_MS >= 30_000
    assert problems(BROWSER_TESTS.read_text(encoding="utf-8")) == []


def test_the_check_finds_fixed_sleeps_and_short_timeouts() -> None:
    source = '''
def page_as(page):
    page.set_default_timeout(8000)

def test_a(page):
    page.wait_for_timeout(500)
    page.click("#go", timeout=2000)
    time.sleep(1)
'''
    assert sorted(p.split(":")[0] for p in problems(source)) == ["line 3", "line 6", "line 7", "line 8"]
