"""A small inbox built by hand, so every order, target and deadline can be worked out from it.

West Midlands (wmp, Europe/London). T0 = Monday 3 March 2025 10:00 UTC; as_of (the newest post) = T0 + 3 h.

  P1       T0          wmp    original "Road closed on the Hagley Road"
  Q        T0 + 10 m   alice  "When will the road reopen?"             rules: question (4h) → 70 m left
  COMPL    T0 + 20 m   bob    "useless, nobody has called me back"     rules: complaint (24h) → 21 h 20 m left
  THANKS   T0 + 30 m   carol  "thank you officers"                      rules: praise → needs no response
  PRED     T0 + 35 m   dave   "a car parked across the pavement"        predicted: report (0.9; 1h) → 85 m overdue
  GOLD     T0 + 36 m   erin   "is it open yet?"                          gold: praise → needs no response
  ASKED    T0 + 40 m   frank  "Is it open now?"                          answered by R at T0 + 50 m
  KNIFE    T0 + 70 m   gina   "man with a knife outside the shop"        rules: urgent (15m) → 95 m overdue, first
  P2       T0 + 3 h    wmp    original "Road open again"
"""

from __future__ import annotations

from datetime import timedelta

from peelian import Project
from tests.metrics.helpers import Corpus

H = 60


def build_inbox(project: Project) -> Project:
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    people = {n: c.citizen(n) for n in ("alice", "bob", "carol", "dave", "erin", "frank", "gina")}
    c.post("P1", wmp, 0, "Road closed on the Hagley Road")
    c.post("Q", people["alice"], 10, "@wmp When will the road reopen?", reply_to="P1")
    c.post("COMPL", people["bob"], 20, "@wmp useless, nobody has called me back", reply_to="P1")
    c.post("THANKS", people["carol"], 30, "@wmp thank you officers", reply_to="P1")
    c.post("PRED", people["dave"], 35, "@wmp a car parked across the pavement on Broad St", reply_to="P1")
    c.post("GOLD", people["erin"], 36, "@wmp is it open yet?", reply_to="P1")
    c.post("ASKED", people["frank"], 40, "@wmp Is it open now?", reply_to="P1")
    c.post("R", wmp, 50, "@frank Not yet, sorry", reply_to="ASKED")
    c.post("KNIFE", people["gina"], 70, "@wmp there's a man with a knife outside the shop on King St",
           reply_to="P1")
    c.post("P2", wmp, 3 * H, "Road open again")
    c.model("m1", "citizen_intent")
    c.predict("PRED", "citizen_intent", "report")
    c.gold("GOLD", "citizen_intent", "praise")
    return c.save()


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)
