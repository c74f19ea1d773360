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


@pytest.mark.parametrize(("raw", "expected"), [
    # retweet and modified-tweet prefixes: one token, the retweeted account is not a word of the post
    ("RT @WMPolice: Have you seen this man?", "<rt> have you seen this man ?"),
    ("rt @a_b appeal for witnesses", "<rt> appeal for witnesses"),
    ("MT @NPCC: road closed", "<rt> road closed"),
    ("PARTY tonight", "party tonight"),
    # double- and triple-escaped entities, as re-exported timelines carry them
    ("Fish &amp;amp; chips &amp;#39;n&amp;amp;#39; peas", "fish & chips ' n ' peas"),
    ("A &amp;amp;amp; B", "a & b"),
    # typographic apostrophes and quotes fold to ASCII, so don’t is one word like don't
    ("We don’t know “yet”", 'we don\'t know " yet "'),
    # thread markers
    ("[thread 1/3] Officers were called", "<thread> officers were called"),
    ("Officers were called (2/3)", "officers were called <thread>"),
    ("1/ Officers were called", "<thread> officers were called"),
    ("2/4 More to follow", "<thread> more to follow"),
    ("Call 101. 3/3", "call 101 . <thread>"),
    ("Thread 1/2: an update", "<thread> : an update"),
    ("Seen on 12/3", "seen on 12 / 3"),
    ("Officers attended on 3/4", "officers attended on 3 / 4"),
    # a truncated post ends in … (before its link): the ellipsis is dropped, a mid-text one kept as ...
    ("Officers are investigating a burgl… https://t.co/x", "officers are investigating a burgl <url>"),
    ("Wait… what?", "wait . . . what ?"),
    # line breaks and numbered references
    ("Road closed\n\nAvoid the area\r\nThanks", "road closed avoid the area thanks"),
    ("Quote log 1234567 or call 01632 960123 or 101", "quote log <number> or call <number> <number> or 101"),
    # officers' sign-offs: that a person signs counts, the initials do not
    ("Thanks for letting us know ^CS", "thanks for letting us know <signed>"),
    ("Cheers ^ JB", "cheers <signed>"),
])
def test_real_post_rules(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_new_tokens_survive_normalising_again() -> None:
    for raw in ["RT @x: [thread 1/3] call 01632 960123 ^CS https://t.co/a", "a &amp;amp; b 1/2 …"]:
        once = normalise(raw)
        assert normalise(once) == once
