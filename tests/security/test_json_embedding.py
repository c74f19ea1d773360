"""JSON inside a page cannot be turned into markup by the text it carries.

`<!--<script>` in a post puts the HTML parser into the script element's "double escaped" state,
where the real `</script>` no longer ends the element and the rest of the page is swallowed. Every
JSON embedded in a page (the coding item, chart specs in the dashboard and in reports) is written
by one helper that escapes `<`, `>`, `&`, U+2028 and U+2029 as `\\u003c` etc.; these tests parse the
pages with an HTML5 parser (selectolax/lexbor) as a browser would.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest
from selectolax.lexbor import LexborHTMLParser

from peelian.coding.samples import create_sample
from peelian.report.force_report import Chart
from peelian.store.safe_text import json_for_html
from peelian.web.app import build_templates
from tests.coding.conftest import add_posts
from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    app,
    client_for,
    web_project,
    web_project_template,
)

HOSTILE = "<!--<script> </script><script>alert(1)</script> & \u2028\u2029"


def _embedded(page: str, selector: str) -> list[object]:
    """The JSON of each matching <script type="application/json">, as an HTML5 parser sees it."""
    tree = LexborHTMLParser(page)
    return [json.loads(node.text(deep=True)) for node in tree.css(selector)]


def test_json_for_html_escapes_markup_and_line_separators() -> None:
    text = str(json_for_html({"text": HOSTILE, "n": -1.5}))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert "\\u003c!--\\u003cscript\\u003e" in text and "\\u0026" in text and "\\u2028\\u2029" in text
    assert json.loads(text) == {"text": HOSTILE, "n": -1.5}


def test_the_filter_keeps_the_rest_of_the_page() -> None:
    env = build_templates().env
    template = env.from_string('<script type="application/json" id="data">{{ value | json_html }}</script>'
                               '<p id="after">after</p>')
    page = template.render(value={"text": HOSTILE})
    assert _embedded(page, "#data") == [{"text": HOSTILE}]
    assert LexborHTMLParser(page).css_first("#after").text() == "after"
    unsafe = jinja2.Environment(autoescape=True).from_string(
        '<script type="application/json" id="data">{{ value | safe }}</script><p id="after">after</p>')
    broken = unsafe.render(value=json.dumps({"text": HOSTILE}).replace("</", "<\\/"))
    assert LexborHTMLParser(broken).css_first("#after") is None  # the old escaping loses the page


def test_chart_spec_is_escaped() -> None:
    chart = Chart("c", "t", {"data": {"values": [{"force": HOSTILE}]}}, [], [])
    assert "<" not in str(chart.spec_json())
    assert json.loads(str(chart.spec_json())) == chart.spec


def test_coding_page_survives_a_hostile_post(client_for, web_project) -> None:
    add_posts(web_project, [dict(platform="twitter", post_id="hostile1", author_id="cit", author_role="citizen",
                                 author_handle="c_00000000000000aa", created_at="2025-05-02 10:00:00", text=HOSTILE,
                                 kind="original", conversation_id="hostile1")])
    create_sample(web_project, "hostile", post_ids=["hostile1"], coders=["cody"], overlap=1.0, shuffle=False)
    page = client_for("coder").get("/code?sample=hostile").text
    [item] = _embedded(page, "#first-item")
    assert item["post"]["body"] == HOSTILE
    tree = LexborHTMLParser(page)
    assert tree.css_first("#coding") is not None and tree.css_first("#dimensions") is not None


@pytest.mark.parametrize("path", ["/", "/reports/force.html?force={force}&month=2025-05"])
def test_chart_pages_survive_a_hostile_force_name(client_for, web_project, path: str) -> None:
    web_project.con.execute("UPDATE posts SET author_force = ? WHERE author_force = 'Kent'", [HOSTILE])
    web_project.con.execute("UPDATE registry SET force = ? WHERE force = 'Kent'", [HOSTILE])
    from urllib.parse import quote

    response = client_for("analyst").get(path.format(force=quote(HOSTILE)))
    assert response.status_code == 200, response.text[:500]
    specs = _embedded(response.text, "script[type='application/json']")
    assert specs and HOSTILE in json.dumps(specs, ensure_ascii=False)
    assert LexborHTMLParser(response.text).css_first("footer, body > :last-child") is not None


def test_no_template_embeds_json_with_safe() -> None:
    templates = Path(__file__).resolve().parents[2] / "src" / "peelian"
    for template in [*(templates / "web" / "templates").glob("*.html"),
                     *(templates / "report" / "templates").glob("*.html*")]:
        source = template.read_text(encoding="utf-8")
        for line in source.splitlines():
            if 'type="application/json"' in line:
                assert "| safe" not in line and "|safe" not in line, f"{template.name}: {line.strip()}"
