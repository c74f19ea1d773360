"""The semantic layer for immediate risk (peelian.triage.semantic): fires on a described situation with no
keyword, not on figures of speech; falls back to the rules alone without the embedding model; in the inbox
with its finding shown; and the accuracy floors per split (docs/triage.md has the measured table).

All the labelled sets (urgent.csv's tuning and held-out splits, urgent_heldout2.csv, urgent_heldout3.csv and
urgent_heldout4.csv to urgent_heldout7.csv, those from the third on written blind and read only after their first
scoring) have been read while the
prototypes, negatives and suppressors were revised, and the operating point is chosen on them with the demo
traffic. Their floors sit
below the measured figures by a margin, so a change that loses what the layers gained fails."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from peelian.classify.embeddings import embeddings_available
from peelian.errors import ModelError
from peelian.triage import inbox, semantic
from peelian.triage.rules import classify_text
from tests.metrics.helpers import Corpus

DATA = Path(__file__).parents[1] / "data" / "triage"
needs_model = pytest.mark.skipif(not embeddings_available(), reason="the 'embeddings' extra is not installed")

DESCRIBED = [  # immediate risk in words the rules have no keyword for
    ("@WMPolice a man has got past the railings of the bridge on Broad Street and is staring down at the canal",
     "self_harm"),
    ("@GMPolice my 7 year old was playing out front ten minutes ago and now he is nowhere to be seen",
     "missing_vulnerable"),
    ("@merseypolice my dad has been acting confused and has walked out of the house in his pyjamas",
     "missing_vulnerable"),
    ("@PoliceScotland there's a wean greetin at the bus stop on her ain, naebody's wi her", "threat_to_life"),
    # a threat delivered now, a vulnerable person in a dangerous place, someone at the back door
    (("@GMPolice the man I have a non-contact order against just posted a picture of my kids' school gate with a clock "
     "emoji"), "threat_to_life"),
    ("@DerbysPolice my ex has just sent a screenshot of my new address with 'found you'", "threat_to_life"),
    ("@WMPolice elderly man in a dressing gown walking down the middle of the dual carriageway", "threat_to_life"),
    ("@cheshirepolice someone rattling my back door handle, its 2am and im alone in the house", "in_progress"),
    ("@KentPolice my mum's not answering and her house is dark, she's diabetic and lives alone, I'm 2 hours away",
     "threat_to_life"),
    # round 4: a fight told by what is done, a farewell, an overdose told without the word
    (("@SYPTweets two women brawling outside the chippy, one is pinning the other down and cracking her skull off "
      "the pavement"), "in_progress"),
    ("@WYP I've said my goodbyes to everyone and I'm heading somewhere nobody will find me, sorry", "self_harm"),
    ("@DyfedPowys I've emptied the medicine cabinet and swallowed the lot, just wanted someone to know", "self_harm"),
    (("@EssexPoliceUK two cars racing each other down the high street in Southend, one nearly took out a mum with a "
      "pram"), "threat_to_life"),
]
FIGURATIVE = [
    "@WMPolice this road is a death trap",
    "@GMPolice killing it today officers!",
    "@LancsPolice my commute was murder this morning, roadworks everywhere",
    "@metpoliceuk that last episode of your podcast about the Krays had me dying",
    "@KentPolice your new recruitment video is an absolute bomb, loved it",
]


def rows(path: Path, split: str | None = None) -> list[tuple[str, bool, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [(r["text"], r["urgent"] == "1", r["category"]) for r in csv.DictReader(f)
                if split in (None, r["split"])]


def test_the_second_held_out_set_is_large_varied_and_hard():
    with (DATA / "urgent_heldout2.csv").open(newline="", encoding="utf-8") as f:
        data = list(csv.DictReader(f))
    urgent = [r for r in data if r["urgent"] == "1"]
    assert len(data) >= 80 and len(urgent) >= 30
    assert sum(r["kind"] == "hard_negative" for r in data) >= 30
    assert {r["category"] for r in urgent} == {"weapon", "inprogress", "threat", "missing", "selfharm"}
    # described situations: the rules catch almost none of them
    assert sum(classify_text(r["text"]).urgent for r in urgent) <= len(urgent) // 5
    first = {t for t, _, _ in rows(DATA / "urgent.csv")}
    assert not first & {r["text"] for r in data}


@needs_model
@pytest.mark.parametrize(("text", "category"), DESCRIBED)
def test_fires_on_a_described_situation_with_no_keyword(text, category):
    assert not classify_text(text).urgent
    (found,) = semantic.detect([text])
    assert found.urgent and found.layers == ("semantic",)
    assert found.semantic.category == category and semantic.SITUATION_CATEGORY[found.semantic.situation] == category
    assert found.semantic.prototype in semantic.PROTOTYPES[found.semantic.situation]
    assert found.semantic.margin >= semantic.MARGIN
    assert found.semantic.similarity >= semantic.THRESHOLD
    assert found.reasons()[category] == f"semantic: {found.semantic.prototype} ({found.semantic.similarity:.2f})"


LONG = [  # a long complaint that ends with a new danger: the whole post is nearer the complaints than the situations
    ("@GMPolice been waiting three weeks for a call back about my stolen bike, the online form kept crashing and the "
     "crime number you gave me was wrong, honestly shocking service, and now there's a little lad of about three "
     "wandering along the bypass on his own"),
    ("@WMPolice I have rung 101 four times about the parking on our road and the council say it is your job, nobody "
     "ever rings back, the crime number never works on the website and my neighbour has had her car scratched "
     "twice, anyway the old lad from the end house has just gone down on the pavement and isnt breathing"),
]


@needs_model
@pytest.mark.parametrize("text", LONG)
def test_a_long_post_is_also_read_by_its_end(text, monkeypatch):
    layer = semantic.SemanticLayer()
    end = semantic.tail(semantic.embedded_text(text))
    assert end and end.endswith(semantic.embedded_text(text).split(", ")[-1]) and len(end.split()) >= semantic.TAIL_WORDS
    (read,) = layer.scores([text])
    assert read.margin >= semantic.MARGIN and read.similarity >= semantic.THRESHOLD
    monkeypatch.setattr(semantic, "tail", lambda text: None)
    (whole,) = layer.scores([text])
    assert whole.margin < semantic.MARGIN


def test_only_long_posts_have_a_tail_of_their_last_clauses():
    assert semantic.tail("a man is waving a knife about at people in the street") is None
    a, b, c = (" ".join(f"{x}{i}" for i in range(12)) for x in "abc")
    assert semantic.tail(f"{a}, {b}. {c}") == f"{b}., {c}"  # 24 words: the last clause alone has fewer than 15
    assert semantic.tail(" ".join(f"w{i}" for i in range(semantic.LONG_WORDS))) is None  # one clause: no shorter end


def test_slang_and_scots_are_written_out_before_embedding():
    """The model reads "ma wee boy's no come hame rn" poorly; "my little boy's no come home right now" it reads."""
    assert semantic.embedded_text("@PoliceScotland @polis Ma wee boy\u2019s no come hame fae school rn") == (
        "my little boy's no come home from school right now")
    assert semantic.embedded_text("@metpoliceuk he's got a shank, pls hurry") == "he's got a knife, please hurry"
    assert semantic.embedded_text("@WMPolice ma'am, oh no") == "ma'am, oh no"  # whole words only


@needs_model
@pytest.mark.parametrize("text", FIGURATIVE)
def test_does_not_fire_on_figures_of_speech(text):
    (found,) = semantic.detect([text])
    assert not found.semantic.urgent, found.semantic


@needs_model
def test_guards_keep_past_events_and_short_replies_from_the_semantic_layer():
    layer = semantic.layer()
    near = semantic.Score(0, 0.9, 0, 0.0, 0.9)  # as near a prototype as can be
    assert layer.decide("@WMPolice a man climbed over the bridge railings last week", near).guarded
    assert layer.decide("@WMPolice any update on the lad on the bridge?", near).guarded
    assert layer.decide("@WMPolice same here in Salford", near).guarded
    assert not layer.decide("@WMPolice a man has climbed over the bridge railings above the canal", near).guarded


ORDINARY = [  # everyday inbox traffic the layer flagged before it decided by margin against negatives, and jokes
    "@WMPolice my husband's been hogging the remote all night, arrest him for crimes against telly",
    "@WestMidsPolice Shame you don't put this much effort into burglaries",
    "@GtrMcrPolice reported a burglary on Friday, still not had anyone out. Shocking.",
    "@AvonSomPolice Someone was trying car door handles on Church Street on Friday evening. Caught it on my doorbell.",
    "@PCMarshGMP why has nobody come back to me about my van being stolen?",
    "@AvonSomPolice there's a red Toyota Yaris abandoned on Beech Avenue, been there a week with the window smashed",
    "@AvonSomPolice my handbag has been stolen from outside the leisure centre in Bath. Please can you help?",
    "@NorthantsPolice someone's left a mattress and a load of bin bags in the lay-by again",
    "@PSNI who won the five a side between the police and the ambulance service?",
    "@metpoliceuk a man has been dossing in the car park stairwell for a week, looks harmless, who deals with that?",
]


@needs_model
@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_complaints_and_reports_are_not_immediate_risk(text):
    (found,) = semantic.detect([text])
    assert not found.urgent, found.semantic


@needs_model
def test_a_finding_does_not_depend_on_the_other_posts_in_its_batch():
    """The layer encodes at full precision: int8 dynamic quantisation scales each batch's activations
    together, which moved a post's margin by more than the margin itself."""
    text = DESCRIBED[0][0]
    alone = semantic.SemanticLayer().scores([text])[0]
    batched = semantic.SemanticLayer().scores([text] + [t for t, _ in DESCRIBED[1:]] + ORDINARY)[0]
    assert alone.prototype == batched.prototype and alone.margin == pytest.approx(batched.margin, abs=1e-4)


@needs_model
def test_prototypes_are_situations_not_copies_of_labelled_posts():
    texts = [t for path in ("urgent.csv", *(f"urgent_heldout{n}.csv" for n in range(2, 13)))
             for t, _, _ in rows(DATA / path)]
    layer = semantic.SemanticLayer()
    posts = layer.encoder.encode([semantic.embedded_text(t) for t in texts])
    layer._prepare()
    for vectors, names in ((layer._protos, [p for _, p in layer._labels]), (layer._negs, layer._negatives)):
        nearest = (vectors @ posts.T).max(axis=1)
        assert nearest.max() < 0.8, names[int(nearest.argmax())]
    assert set(semantic.SITUATION_CATEGORY) == set(semantic.PROTOTYPES)
    assert set(semantic.SITUATION_CATEGORY.values()) == {"weapon", "in_progress", "threat_to_life",
                                                           "missing_vulnerable", "self_harm"}


def _read(flags: list[tuple[bool, bool, float, float]]):
    """A set read by hand: (urgent, rules fired, nearest similarity, margin) per post."""
    rows = [(f"post {i}", urgent, "weapon" if urgent else "") for i, (urgent, *_) in enumerate(flags)]
    read = ([r for _, r, _, _ in flags], [semantic.Score(0, sim, 0, 0.0, m) for _, _, sim, m in flags],
            [False] * len(flags))
    return rows, read


def test_the_operating_point_rule_keeps_precision_then_recall_then_the_stricter_setting():
    # urgent posts at margins 0.10 and 0.02; ordinary ones at 0.00 and -0.05
    a_rows, a_read = _read([(True, False, 0.5, 0.10), (True, False, 0.5, 0.02), (False, False, 0.5, 0.0),
                            (False, False, 0.5, -0.05)])
    # a rule-found urgent post, and an ordinary one at margin 0.01 with a weak nearest situation
    b_rows, b_read = _read([(True, True, 0.2, -0.2), (False, False, 0.32, 0.01)])
    threshold, margin = semantic._choose({"a": a_rows, "b": b_rows}, {"a": a_read, "b": b_read}, 0.8)
    # full recall needs margin <= 0.02; precision on b needs margin > 0.01 or threshold > 0.32;
    # of the settings left the stricter: margin 0.02, then the highest threshold that keeps 0.5
    assert (threshold, margin) == (0.45, 0.02)
    # no setting reaches the floor (the rules raise a false alarm the layer cannot take back): the strictest margin
    c_rows, c_read = _read([(True, False, 0.5, -0.5), (False, True, 0.5, 0.0)])
    assert semantic._choose({"c": c_rows}, {"c": c_read}, 0.8)[1] == max(semantic.MARGINS)


@needs_model
def test_findings_are_cached_per_text(monkeypatch):
    layer = semantic.SemanticLayer()
    texts = [t for t, _ in DESCRIBED]
    first = layer.assess(texts)
    calls = []
    monkeypatch.setattr(layer, "scores", lambda batch: calls.append(batch) or [])
    assert layer.assess(list(reversed(texts))) == list(reversed(first)) and not calls


def test_without_the_embedding_model_the_rules_run_alone(monkeypatch, project):
    monkeypatch.setattr(semantic, "available", lambda: False)
    monkeypatch.setattr(semantic, "layer", lambda: pytest.fail("the semantic layer must not load"))
    text, _ = DESCRIBED[0]
    found = semantic.detect([text, "@WMPolice there's a man with a knife outside the shop"])
    assert [f.layers for f in found] == [(), ("rules",)] and found[0].semantic is None
    with pytest.raises(ModelError, match="embedding model"):
        semantic.detect([text], semantic=True)
    with pytest.raises(ModelError, match="embedding model"):
        inbox(_small_inbox(project), semantic=True)
    box = inbox(project)
    assert box["risk_layers"]["semantic"] is False and "embedding model" in box["risk_layers"]["note"]
    assert [r["post_id"] for r in box["rows"] if r["risk"]] == ["KNIFE"]


def _small_inbox(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    a, b, d = c.citizen("alice"), c.citizen("bob"), c.citizen("dora")
    c.post("P1", wmp, 0, "Road closed on the Hagley Road")
    c.post("BRIDGE", a, 10, DESCRIBED[0][0].replace("@WMPolice", "@wmp"), reply_to="P1")
    c.post("KNIFE", b, 20, "@wmp there's a man with a knife outside the shop on King St", reply_to="P1")
    c.post("THANKS", d, 30, "@wmp thank you officers, brilliant work", reply_to="P1")
    c.post("P2", wmp, 60, "Road open again")
    return c.save()


@needs_model
def test_the_inbox_shows_which_layer_found_the_risk(project):
    box = inbox(_small_inbox(project))
    by = {r["post_id"]: r for r in box["rows"]}
    assert box["risk_layers"]["semantic"] and box["risk_layers"]["note"] is None
    assert by["BRIDGE"]["risk"] and by["BRIDGE"]["risk_source"] == "semantic"
    assert by["BRIDGE"]["risk_layers"] == ["semantic"] and "self_harm" in by["BRIDGE"]["risk_reasons"]
    assert by["KNIFE"]["risk_source"] == "rules" and "rules" in by["KNIFE"]["risk_layers"]
    assert "THANKS" not in by and box["counts"]["risk"] == 2
    # the older semantic finding comes after the rules' one: the semantic layer has more false alarms
    assert [r["post_id"] for r in box["rows"]] == ["KNIFE", "BRIDGE"]
    off = inbox(project, semantic=False)
    assert [r["post_id"] for r in off["rows"]] == ["KNIFE"] and "turned off" in off["risk_layers"]["note"]


@needs_model
@pytest.mark.slow
def test_accuracy_floors_per_split():
    """Rules OR semantic at the operating point chosen on the three labelled sets and the demo traffic together
    (docs/triage.md has the measured table and the leave-one-set-out figures): the measured figures less a margin,
    so a change that loses what the layers gained fails."""
    tuning = semantic.evaluate_layers(rows(DATA / "urgent.csv", "tuning"))
    assert tuning["both"]["recall"] >= 0.95 and tuning["both"]["precision"] >= 0.95, tuning["both"]["false_alarms"]
    held1 = semantic.evaluate_layers(rows(DATA / "urgent.csv", "held_out"))
    assert held1["both"]["recall"] >= 0.9 and held1["both"]["precision"] >= 0.9, held1["both"]["misses"]
    assert held1["both"]["recall"] >= held1["rules"]["recall"] + 0.55  # the rules alone: 0.40 since round 7
    held2 = semantic.evaluate_layers(rows(DATA / "urgent_heldout2.csv"))
    assert held2["semantic"]["recall"] >= 0.85 and held2["semantic"]["precision"] >= 0.9, held2["semantic"]
    assert held2["both"]["recall"] >= 0.92 and held2["both"]["precision"] >= 0.88, held2["both"]["false_alarms"]
    held3 = semantic.evaluate_layers(rows(DATA / "urgent_heldout3.csv"))
    assert held3["rules"]["recall"] >= 0.6 and held3["rules"]["precision"] >= 0.95, held3["rules"]["false_alarms"]
    assert held3["semantic"]["recall"] >= 0.88 and held3["semantic"]["precision"] >= 0.93, held3["semantic"]
    assert held3["both"]["recall"] >= 0.96 and held3["both"]["precision"] >= 0.95, held3["both"]["misses"]
    # the later blind sets: (rules recall, semantic recall) floors; precision >= 0.95 and both's recall >= 0.96 on each.
    # The semantic floors are those of round 6's plain and relayed prototypes (before it: 0.866, 0.812, 0.838, 0.796)
    # Held outs 8 and 9 were scored blind first (both: 0.843 / 0.938 and 0.870 / 0.949), then read in round 6b.
    # Held out 10 was scored blind first (both: 0.845 / 0.879), then read in round 7.
    # Held outs 11 and 12 were scored blind first (both: 0.918 / 0.928 and 0.857 / 0.947), then read in round 8.
    for number, rules_recall, semantic_recall in ((4, 0.62, 0.89), (5, 0.62, 0.85), (6, 0.62, 0.86), (7, 0.58, 0.8),
                                                  (8, 0.6, 0.88), (9, 0.7, 0.85), (10, 0.48, 0.88), (11, 0.72, 0.87),
                                                  (12, 0.66, 0.82)):
        held = semantic.evaluate_layers(rows(DATA / f"urgent_heldout{number}.csv"))
        assert held["rules"]["recall"] >= rules_recall and held["rules"]["precision"] >= 0.95, (
            number, held["rules"]["false_alarms"])
        assert held["semantic"]["recall"] >= semantic_recall and held["semantic"]["precision"] >= 0.95, (
            number, held["semantic"])
        assert held["both"]["recall"] >= 0.96 and held["both"]["precision"] >= 0.95, (number, held["both"]["misses"])


@needs_model
@pytest.mark.slow
def test_demo_traffic_is_not_buried_in_false_alarms(tmp_path):
    """A demo corpus with another seed than the one the operating point was chosen on: about 1 % of its citizen
    posts are urgent, as in a real inbox, so precision needs almost no false alarms."""
    from peelian import Project
    from peelian.demo.build import build_demo

    path = tmp_path / "demo.peelian"
    build_demo(path, posts=2000, seed=11, forces=2, months=2)
    with (tmp_path / "demo.peelian.d" / "demo-source" / "truth.csv").open(newline="", encoding="utf-8") as f:
        urgent = {(r["platform"], r["post_id"]): r["code"] == "urgent" for r in csv.DictReader(f)
                  if r["dimension"] == "citizen_intent" and r["code"] == "urgent"}
    with Project.open(path, read_only=True) as project:
        posts = project.query("SELECT platform, post_id, text FROM posts WHERE author_role = 'citizen'")
    labelled = [(p["text"] or "", (p["platform"], p["post_id"]) in urgent, "") for p in posts]
    both = semantic.evaluate_layers(labelled)["both"]
    assert both["tp"] >= 3 and both["recall"] == 1.0, both["misses"]
    assert both["precision"] >= 0.8, both["false_alarms"]


ROUND_6_DANGERS = [  # a probe written for round 6 apart from every set: dangers told plainly or passed on
    "@YorksPolice my aunt rang, there's a man in her back yard looking through the kitchen window and she's on her own",
    "@MetPolice lad on the 38 bus has been hassling a girl the whole way and now he's got off after her",
    "@NorfolkPolice grandad went to post a letter at 2 and it's gone 7, he doesn't know the area anymore",
    "my friend just sent me a voice note crying saying he's locked her in the bathroom @EssexPolice",
    "@Cleveland_Police the smell from the flat upstairs is really strong gas and the old boy isn't answering",
    "@LancsPolice there's a youngster sat on the edge of the multi storey roof and his mates are filming",
    "@SussexPolice teenager in the sea by the pier waving his arms, his friends are shouting, nobody's going in",
    "@GMPolice group of men dragged a lad out of a car at the lights and they're laying into him",
    "@DevonPolice my wife's texted me 'help' and nothing since and her location is a lay-by on the A38",
    "@TVP someone is stood in the road at the roundabout throwing themselves at cars",
    "@NottsPolice woman screaming 'get off me' in the alley behind the chippy, can't see what's happening",
    "@AvonSomersetPolice bloke on the train keeps saying he's got something in his bag that will make everyone sorry",
    "@PSNI my son's friend has posted that he's taken everything in the cupboard and wants to sleep forever",
    "@MerseyPolice two lads just went into the house opposite through the side gate, owners are in spain",
    "@SWPolice a kid no older than 4 walking down the middle of the high street crying for his mum",
    "@KentPolice my neighbour's ex is banging on her door again shouting he'll do her in, she's got an order against him",
    "@WYP fella outside the bookies swinging a chain at anyone who walks past",
    ("@CambsCops house on our close has smoke pouring from the upstairs window and the family's car is still on the "
     "drive"),
]
ROUND_6_ORDINARY = [  # the same places and people, no one at risk
    "@YorksPolice my aunt rang, she's had a scam call pretending to be the bank, what should she do",
    "@NorfolkPolice grandad's 90 today, he says thank you for the card from the local team",
    "@EssexPolice locked myself out of the bathroom again lol, no wonder the kids laugh at me",
    "@WMPolice parents parking on the zig zags outside the school every morning, can you send someone",
    "@Cleveland_Police smell of cannabis from the flat upstairs every night, who do I report it to",
    "@LancsPolice saw the officers filming the road safety video on the multi storey roof, great work",
    "@SussexPolice the sea swim for charity on saturday was brilliant, thanks for the support boat",
    "@GMPolice great to see the lads from the police boxing club at the community centre",
    "@DevonPolice the lay-by on the A38 is full of rubbish again, who clears it",
]


@needs_model
def test_round_6_dangers_told_plainly_or_passed_on_are_found():
    """Round 6's prototypes by kind, in plain words and a relayed voice: before them the layers missed the overdose
    told as 'taken everything in the cupboard' and the smoke from a house with the family's car on the drive."""
    found = semantic.detect(ROUND_6_DANGERS + ROUND_6_ORDINARY)
    missed = [t for t, f in zip(ROUND_6_DANGERS, found) if not f.urgent]
    raised = [t for t, f in zip(ROUND_6_ORDINARY, found[len(ROUND_6_DANGERS):]) if f.urgent]
    assert not missed and not raised, (missed, raised)


LETTER = ("Dear Sir or Madam,\n\nI manage a small bakery in Hereford and your neighbourhood team has always been "
          "helpful with our questions about parking, deliveries and the market day road closures, and we enjoy the "
          "updates you post about community events and the cadets.\n\nA man we barred earlier has come back and is "
          "hammering on the locked door shouting that he will get my colleague when she comes out.\n\nMany thanks for "
          "your time and for all the work your officers do for the town.\n\nYours faithfully,\nMrs P. Hughes")


def test_a_letter_is_read_paragraph_by_paragraph():
    assert semantic.paragraphs("one paragraph only, however long it is") == []
    assert semantic.paragraphs("Dear Sir,\n\nthere is a man outside with a knife now\n\nRegards") == [
        "there is a man outside with a knife now"]


@needs_model
def test_a_danger_in_the_third_paragraph_of_a_polite_letter_is_found():
    """Round 6b: a letter's courtesies diluted the danger told in its third paragraph (held out 8); each paragraph
    is scored apart, as a long post's end is."""
    found = semantic.detect([LETTER])[0]
    assert found.semantic is not None and found.semantic.urgent, found.semantic


@needs_model
def test_round_6b_an_intrusion_seen_on_a_camera_after_closing_is_found():
    """Round 6b's prototypes of held outs 8 and 9's kinds (an intrusion seen live on a camera, thieves loading up in a
    yard, an injured person found, vehicles among children): before them the layers missed a business alarm after
    closing told with a camera and no danger word."""
    text = ("@SuffolkPolice the alarm went at the garden centre after we locked up and the camera shows someone moving "
            "about inside")
    found = semantic.detect([text])[0]
    assert not found.risks and found.semantic is not None and found.semantic.urgent, found.semantic


class _SlowEncoder:
    """Encodes to fixed unit vectors; the negatives' encoding is slow, so a second thread arrives while the
    first is preparing the layer."""

    def __init__(self, negatives: list[str]):
        import threading

        self.negatives, self.started = negatives, threading.Event()

    def encode(self, texts):
        import time

        import numpy as np

        if list(texts) == self.negatives:
            self.started.set()
            time.sleep(0.5)
        vectors = np.ones((len(texts), 384), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_two_threads_preparing_the_layer_at_once_both_get_scores():
    """The prototypes and negatives are prepared together: a second thread arriving while the first was
    encoding the negatives saw the prototypes set and the negatives still None ('NoneType' has no 'T')."""
    import threading

    negatives = [p for ps in semantic.NEGATIVES.values() for p in ps]
    layer = semantic.SemanticLayer(encoder=_SlowEncoder(negatives))  # type: ignore[arg-type]
    errors: list[BaseException] = []

    def first() -> None:
        try:
            layer.scores(["a man is climbing in next door's window right now"])
        except BaseException as e:  # noqa: BLE001 - the test reports any failure of the other thread
            errors.append(e)

    thread = threading.Thread(target=first)
    thread.start()
    assert layer.encoder.started.wait(5)
    second = layer.scores(["my neighbour is shouting that he will kill her"])
    thread.join()
    assert not errors and len(second) == 1


ROUND_7_SITUATIONS = [  # held out 10's missed kinds in wordings written apart from it, with the situation to show
    ("@WYP a woman is being held against the fridge by her throat in the flat next door, I can see through the window",
     "violence"),
    ("@MetPolice bloke came into the shop clutching his ribs, his t-shirt is soaked through with red",
     "medical_emergency"),
    ("@NottsPolice someone just shoved a lit firework through the door of the flats, families upstairs",
     "fire_or_road_danger"),
    ("@TVP our coach driver keeps drifting off at the wheel on the M4, we have swerved twice", "fire_or_road_danger"),
    ("@WMPolice an old gentleman in pyjamas is wandering the high street at 2am in the frost, no idea where he lives",
     "missing_vulnerable"),
    ("@LancsPolice little lad maybe 5 by himself on the platform crying, can't see any parent", "vulnerable_in_danger"),
    ("@EssexPolice my sister just sent me a text saying he has come back and asking me to get there fast",
     "present_danger"),
    ("@PoliceScotland patient with dementia has slipped out of the ward in her nightie and it's below freezing",
     "missing_vulnerable"),
]


@needs_model
def test_round_7_situations_are_read_as_what_they_are():
    """Violence told by the act, an injury told by what is seen, fire through a door with people above, a driver
    nodding off, a vulnerable person told by circumstance, a relayed coded message: the layer fires and shows the
    situation it is (before round 7's prototypes it showed a break-in, a weapon or a road danger for several)."""
    findings = semantic.layer().assess([t for t, _ in ROUND_7_SITUATIONS])
    for (text, situation), finding in zip(ROUND_7_SITUATIONS, findings):
        assert finding.urgent and finding.situation == situation, (text, finding.situation, finding.margin)


LONG_COMPLAINT_THEN_DANGER = (
    "@WYP I have been on to the council for a month about the rubbish dumped in the alley behind the shops, nobody "
    "has done a thing and it's starting to smell, honestly what do we pay for, anyway while I was typing this a man "
    "has dragged a woman out of the back of a van by her hair and he's punching her in the face")


def test_an_idiom_at_the_start_of_a_long_post_does_not_keep_its_end_from_the_layer():
    """Held out 10: a long complaint ('the car that's been dumped outside the school for weeks') turning into a
    danger at its end was never read by its end, since the idiom 'dumped ...' kept the whole post out. An idiom in
    a long post's end, or anywhere in a short one, still does."""
    assert not semantic.is_guarded(LONG_COMPLAINT_THEN_DANGER)
    assert semantic.is_guarded("@WYP someone has dumped a sofa and a fridge in the alley behind the shops again")
    assert semantic.is_guarded(
        "@WYP the lads on the corner are harmless enough and I've no complaint about the noise most nights, but "
        "now they have started dumping bags of rubbish in the alley behind the shops and leaving them there")


@needs_model
def test_a_long_complaint_ending_in_a_danger_is_found_by_its_end():
    finding = semantic.layer().assess([LONG_COMPLAINT_THEN_DANGER])[0]
    assert finding.urgent, finding
