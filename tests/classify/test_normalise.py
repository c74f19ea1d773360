from __future__ import annotations

import pytest

from peelian.classify.normalise import normalise


@pytest.mark.parametrize(("raw", "expected"), [
    (None, ""),
    ("   \n\t ", ""),
    ("Road CLOSED", "road closed"),
    ("see https://t.co/AbC?x=1 and www.police.uk/x", "see <url> and <url>"),
    ("@NorthPolice @a_b: hi", "@user @user : hi"),
    ("mail jo.bloggs@example.co.uk now", "mail <email> now"),
    ("#KnifeCrime #police #NYPD #stop_search", "#knifecrime knife crime #police #nypd #stopsearch stop search"),
    ("Fish &amp; chips &lt;3", "fish & chips < 3"),
    ("🚓 on way 👍🏽", ":police_car: on way :thumbs_up_sign:"),
    ("𝗕𝗼𝗹𝗱 ｆｕｌｌ", "bold full"),
    ("Help!!!!!! Sooooo scary", "help ! ! ! sooo scary"),
    ("don't   panic\nplease", "don't panic please"),
])
def test_rules(raw: str | None, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalising_twice_changes_nothing() -> None:
    texts = ["@Force thanks!! #StaySafe https://t.co/x 🚓", "Fish &amp; chips", "HAVE YOU SEEN JO?"]
    for text in texts:
        once = normalise(text)
        assert normalise(once) == once


def test_output_has_no_line_breaks_or_double_spaces() -> None:
    out = normalise("a\r\n\r\nb\u2028c  \u00a0 d")
    assert "\n" not in out and "  " not in out
