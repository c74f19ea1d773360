"""The behaviour model: who posts, who answers whom, how fast, and how deep threads go.

A conversation is generated whole (root, citizen replies, police answers, follow-ups), so
the true codes and the true reply delays are known when each post is made. The reply-delay
model is a log-normal per account type, slower outside office hours and at night, with a
probability of no reply at all; its parameters and the delays actually drawn are reported
so a test can check that the metrics recover them from the stored posts.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections import Counter
from itertools import accumulate
from statistics import NormalDist
from typing import Any

from peelian.demo.texts import INTENTS, NEEDS_RESPONSE, OBJECTIVE, REPLY_KINDS, TOPICS, Ctx, Phrasebook, t_co
from peelian.demo.world import Actor, Clock, World, mastodon_id, snowflake

POLICE_TYPES = ("force_corporate", "team", "unit", "officer")

# ---- the reply-delay model (minutes are for office hours) --------------------------------------
DELAY_MEDIAN_MINUTES = {"officer": 15.0, "team": 35.0, "unit": 50.0, "force_corporate": 70.0}
DELAY_SIGMA = 1.2
OFF_HOURS_FACTOR = 2.5  # evenings and weekends, by the citizen post's London time
NIGHT_FACTOR = 5.0  # 23:00-07:00
URGENT_FACTOR = 0.2
MIN_DELAY_S, MAX_DELAY_S = 20, 10 * 86400
# Probability that a police account answers, by the citizen post's first intent.
P_REPLY: dict[str, dict[str, float]] = {
    "needs": {"force_corporate": 0.55, "team": 0.7, "unit": 0.6, "officer": 0.85},
    "urgent": {"force_corporate": 0.8, "team": 0.8, "unit": 0.8, "officer": 0.9},
    "praise": {"force_corporate": 0.25, "team": 0.45, "unit": 0.4, "officer": 0.6},
    "abuse": {"force_corporate": 0.06, "team": 0.08, "unit": 0.06, "officer": 0.12},
    "other": {"force_corporate": 0.05, "team": 0.12, "unit": 0.1, "officer": 0.35},
}
P_FOLLOW_UP = {"force_corporate": 0.3, "team": 0.4, "unit": 0.35, "officer": 0.6}
DEPTH_DECAY = 0.85
MAX_ROUNDS = 6

P_POLICE_ROOT = 0.55
POST_WEIGHTS = {"force_corporate": 0.35, "team": 0.3, "unit": 0.15, "officer": 0.2}
MENTION_WEIGHTS = {"force_corporate": 0.6, "team": 0.2, "unit": 0.08, "officer": 0.12}
TOPIC_MIX: dict[str, dict[str, float]] = {
    "force_corporate": {"appeal": 22, "incident_update": 18, "court_result": 12, "prevention_advice": 12,
                        "recruitment": 7, "insight": 8, "traffic": 5, "online_meeting": 3, "conversation": 5,
                        "other": 8},
    "team": {"appeal": 12, "incident_update": 15, "insight": 15, "prevention_advice": 20, "online_meeting": 12,
             "conversation": 6, "traffic": 4, "court_result": 4, "recruitment": 2, "other": 10},
    "unit": {"traffic": 40, "incident_update": 15, "insight": 15, "prevention_advice": 10, "court_result": 10,
             "appeal": 5, "conversation": 3, "other": 2},
    "officer": {"insight": 30, "prevention_advice": 15, "conversation": 20, "other": 15, "incident_update": 8,
                "appeal": 6, "online_meeting": 3, "recruitment": 3},
}
REPLIES_PER_TOPIC = {"appeal": 2.0, "incident_update": 1.6, "insight": 1.3, "court_result": 2.0, "traffic": 1.2,
                     "prevention_advice": 0.6, "online_meeting": 0.7, "conversation": 2.5, "recruitment": 0.8,
                     "other": 0.5}
ENGAGEMENT_PER_TOPIC = {"appeal": 1.5, "incident_update": 1.2, "insight": 2.5, "court_result": 2.0, "traffic": 0.8,
                        "prevention_advice": 0.5, "online_meeting": 0.3, "conversation": 0.8, "recruitment": 0.6,
                        "other": 1.0}
CITIZEN_MIX: dict[str, dict[str, float]] = {
    "appeal": {"report": 3, "question": 2.5, "praise": 1, "other": 3, "complaint": 0.5, "abuse": 0.2},
    "incident_update": {"question": 4, "report": 1, "complaint": 1.5, "praise": 1, "other": 2,
                        "question_complaint": 1, "abuse": 0.3},
    "insight": {"praise": 5, "other": 3, "question": 1, "complaint": 0.7, "abuse": 0.3},
    "court_result": {"praise": 4, "complaint": 3, "other": 1, "abuse": 0.5, "question": 0.5},
    "traffic": {"question": 4, "complaint": 2, "report": 1, "other": 1, "question_complaint": 1},
    "prevention_advice": {"question": 2, "other": 2, "praise": 1, "complaint": 1, "request_help_question": 1,
                          "report": 1},
    "online_meeting": {"question": 4, "other": 1, "praise": 1, "complaint": 0.5},
    "conversation": {"complaint": 3, "question": 2, "question_complaint": 2, "praise": 1.5, "abuse": 1,
                     "complaint_abuse": 0.5, "other": 1},
    "recruitment": {"question": 5, "other": 1, "praise": 1, "complaint": 0.5},
    "other": {"praise": 3, "other": 3, "complaint": 1, "abuse": 0.3},
}
MENTION_MIX = {"question": 4, "report": 3, "question_complaint": 1.2, "request_help": 1.2,
               "request_help_question": 1.2, "complaint": 1.5, "praise": 1.5, "report_urgent": 0.5, "abuse": 0.4,
               "other": 0.5}
FOLLOW_MIX: dict[str, dict[str, float]] = {
    "towards": {"praise": 5, "question": 2, "other": 1.5, "report": 1},
    "neutral": {"question": 3, "praise": 3, "complaint": 1.5, "other": 1.5},
    "away": {"complaint": 3, "question_complaint": 2, "question": 1.5, "praise": 0.5, "request_help": 1},
    "against": {"complaint": 2, "abuse": 2, "complaint_abuse": 1.5},
}
KIND_MIX: dict[str, dict[str, float]] = {
    "question": {"answer_neutral": 3, "answer_towards": 2, "reassure": 1.5, "redirect_canned": 2,
                 "redirect_helpful": 1.5, "refusal": 0.7, "correction": 0.5},
    "report": {"ack": 2.5, "ack_reassure": 2.5, "redirect_canned": 3, "redirect_helpful": 2},
    "urgent": {"redirect_999": 6, "ack_reassure": 1},
    "request_help": {"answer_towards": 3, "redirect_helpful": 3, "redirect_canned": 2, "ack_reassure": 1},
    "complaint": {"correction": 2, "complaint_route": 3, "ack": 2, "refusal": 1, "answer_neutral": 1, "sarcasm": 0.3},
    "praise": {"thanks": 5, "thanks_banter": 2, "banter": 0.5},
    "abuse": {"warning": 5, "sarcasm": 1.5, "refusal": 1},
    "other": {"banter": 4, "thanks": 1, "answer_neutral": 1},
}
# Officers converse: more personal help and banter; corporate accounts more canned replies.
KIND_STYLE: dict[str, dict[str, float]] = {
    "force_corporate": {"redirect_canned": 2.0, "refusal": 1.5, "complaint_route": 1.5, "banter": 0.2,
                        "thanks_banter": 0.2, "answer_towards": 0.6, "ack_reassure": 0.7},
    "team": {"answer_towards": 1.2, "ack_reassure": 1.2, "redirect_canned": 0.7},
    "unit": {},
    "officer": {"banter": 3.0, "thanks_banter": 3.0, "answer_towards": 1.8, "ack_reassure": 1.5,
                "redirect_canned": 0.3, "sarcasm": 1.5},
}
# Hour-of-day weights (London time) for police originals and citizen-initiated posts.
POLICE_HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 8, 8, 7, 6, 7, 7, 7, 6, 5, 5, 5, 4, 3, 2, 1.5)
CITIZEN_HOURS = (2, 1.2, 0.8, 0.5, 0.4, 0.5, 1, 2, 3, 4, 4, 4, 5, 5, 4, 4, 5, 6, 7, 8, 8, 7, 5, 3)
CITIZEN_REPLY_MEDIAN_S, CITIZEN_REPLY_SIGMA = 35 * 60, 1.4
FOLLOW_UP_MEDIAN_S, FOLLOW_UP_SIGMA = 12 * 60, 1.2
# Standard normal quantiles at 16,384 evenly spaced probabilities: one uniform draw and a lookup
# is several times faster than random.lognormvariate, and the tails reach ±4 sigma.
_NORMAL_STEPS = 16_384
_NORMAL = [NormalDist().inv_cdf((i + 0.5) / _NORMAL_STEPS) for i in range(_NORMAL_STEPS)]


class Table:
    """A weighted choice with one random draw and a bisect."""

    __slots__ = ("keys", "cum", "total")

    def __init__(self, weights: dict[str, float]):
        self.keys = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.keys[bisect(self.cum, rng.random() * self.total)]


class Item:
    """One post as generated, with its true codes; serialised later per platform."""

    __slots__ = ("platform", "id", "t", "author", "body", "kind", "parent", "root", "quoted", "reposted", "prefix",
                 "inline", "likes", "reposts", "quotes", "replies", "views", "bookmarks", "codes", "links",
                 "missing_parent", "force_index", "depth", "js")

    def __init__(self, platform: str, post_id: str, t: int, author: Actor, body: str, kind: str,
                 parent: Item | None, codes: tuple[tuple[str, str], ...], links: list[tuple[str, str]],
                 force_index: int):
        self.platform = platform
        self.id = post_id
        self.t = t
        self.author = author
        self.body = body
        self.kind = kind
        self.parent = parent
        # The conversation root (None for a root itself: no reference cycles, so blocks free promptly).
        self.root: Item | None = None if parent is None else parent.root or parent
        self.depth = 0 if parent is None else parent.depth + 1
        self.quoted: Item | None = None
        self.reposted: Item | None = None
        self.prefix: list[Actor] = []
        self.inline: list[Actor] = []
        self.likes = self.reposts = self.quotes = self.replies = self.views = self.bookmarks = 0
        self.codes = codes
        self.links = links
        self.missing_parent: tuple[str, Actor] | None = None
        self.force_index = force_index
        self.js: Any = None

    @property
    def conversation_id(self) -> str:
        if self.missing_parent is not None:
            return self.missing_parent[0]
        return self.root.id if self.root is not None else self.id


class DelayStats:
    """Log-binned histograms of reply delays (0.2% resolution): quantiles in flat memory."""

    BINS_PER_E = 500

    def __init__(self) -> None:
        self.hist: dict[str, Counter[int]] = {}
        self.n: Counter[str] = Counter()

    def add(self, seconds: int, *keys: str) -> None:
        b = int(math.log(seconds) * self.BINS_PER_E)
        for key in keys:
            hist = self.hist.get(key)
            if hist is None:
                hist = self.hist[key] = Counter()
            hist[b] += 1
            self.n[key] += 1

    def merge(self, other: DelayStats) -> None:
        for key, hist in other.hist.items():
            self.hist.setdefault(key, Counter()).update(hist)
        self.n.update(other.n)

    def quantile(self, key: str, q: float) -> float | None:
        """The q-quantile in seconds (midpoint of its bin), or None without data."""
        hist, n = self.hist.get(key), self.n.get(key, 0)
        if not hist:
            return None
        rank, seen = q * (n - 1), 0
        for b in sorted(hist):
            seen += hist[b]
            if seen > rank:
                return math.exp((b + 0.5) / self.BINS_PER_E)
        return None

    def summary(self) -> dict[str, dict[str, float | int | None]]:
        out: dict[str, dict[str, float | int | None]] = {}
        for key in sorted(self.hist):
            median, p90 = self.quantile(key, 0.5), self.quantile(key, 0.9)
            out[key] = {"n": self.n[key], "median_minutes": round(median / 60, 3) if median else None,
                        "p90_minutes": round(p90 / 60, 3) if p90 else None}
        return out


def delay_model() -> dict[str, Any]:
    """The reply-delay model's parameters, as recorded in the manifest."""
    return {
        "distribution": "lognormal",
        "median_minutes_office_hours": DELAY_MEDIAN_MINUTES,
        "sigma": DELAY_SIGMA,
        "office_hours": "Mon-Fri 09:00-17:00 Europe/London, by the citizen post's time",
        "off_hours_factor": OFF_HOURS_FACTOR,
        "night_factor": NIGHT_FACTOR,
        "night_hours": "23:00-07:00",
        "urgent_factor": URGENT_FACTOR,
        "min_seconds": MIN_DELAY_S,
        "max_seconds": MAX_DELAY_S,
        "p_reply": P_REPLY,
        "p_follow_up": P_FOLLOW_UP,
        "depth_decay": DEPTH_DECAY,
    }


class Simulator:
    """Generates whole conversations for one force at a time."""

    def __init__(self, world: World, rng: random.Random, clock: Clock, *, mastodon: bool, serial_start: int = 0,
                 serial_step: int = 1):
        self.world, self.rng, self.clock = world, rng, clock
        self.book = Phrasebook()
        self.mastodon = mastodon
        # Forces are simulated independently; interleaved serials keep their post ids apart.
        self.serial, self.serial_step = serial_start, serial_step
        self.delays = DelayStats()
        self.unanswered = 0
        self.needs_response = 0
        self.post_types = Table(POST_WEIGHTS)
        self.mention_types = Table(MENTION_WEIGHTS)
        self.topics = {t: Table(w) for t, w in TOPIC_MIX.items()}
        self.citizen_mix = {t: Table(w) for t, w in CITIZEN_MIX.items()}
        self.mention_mix = Table(MENTION_MIX)
        self.follow_mix = {s: Table(w) for s, w in FOLLOW_MIX.items()}
        self.kinds = {(intent, acct): Table({k: w * KIND_STYLE[acct].get(k, 1.0) for k, w in mix.items()})
                      for intent, mix in KIND_MIX.items() for acct in POLICE_TYPES}
        self.police_hours = list(accumulate(POLICE_HOURS))
        self.citizen_hours = list(accumulate(CITIZEN_HOURS))
        assert set(TOPIC_MIX["force_corporate"]) == set(TOPICS)

    # ---- helpers ----------------------------------------------------------------------------
    def _ln(self, mu: float, sigma: float) -> float:
        """A log-normal draw (see _NORMAL)."""
        return math.exp(mu + sigma * _NORMAL[int(self.rng.random() * _NORMAL_STEPS)])

    def _id(self, platform: str, t: int) -> str:
        self.serial += self.serial_step
        return snowflake(t, self.serial) if platform == "twitter" else mastodon_id(t, self.serial)

    def _hour(self, day_start: int, cum: list[float]) -> int:
        hour = bisect(cum, self.rng.random() * cum[-1])
        local = day_start + hour * 3600 + int(self.rng.random() * 3600)
        return local - self.clock.offset(local)

    def _accounts(self, force: str, account_type: str, platform: str) -> list[Actor]:
        accounts = self.world.by_force[force][account_type]
        if platform == "mastodon":
            accounts = [a for a in accounts if a.mastodon_id] or [self.world.corporate[force]]
        return accounts

    def _police(self, force: str, table: Table, platform: str) -> Actor:
        accounts = self._accounts(force, table.pick(self.rng), platform)
        return accounts[int(self.rng.random() * len(accounts))]

    def _citizen(self, fi: int) -> Actor:
        return self.world.citizen(self.world.citizen_index(fi, self.rng.random()))

    def _item(self, platform: str, t: int, author: Actor, body: str, kind: str, parent: Item | None,
              codes: tuple[tuple[str, str], ...], links: list[tuple[str, str]], fi: int) -> Item:
        item = Item(platform, self._id(platform, t), t, author, body, kind, parent, codes, links, fi)
        if parent is not None:
            parent.replies += 1
            prefix = [parent.author] + [a for a in parent.prefix if a is not parent.author]
            item.prefix = [a for a in prefix if a is not author][:3]
        return item

    def _engage_citizen(self, item: Item) -> None:
        item.likes = int(self._ln(-0.7, 1.3))
        item.views = int(15 + item.author.followers * 0.05 * self._ln(0, 0.8)) + item.likes * 12

    # ---- conversations ---------------------------------------------------------------------
    def conversation(self, day_start: int, fi: int) -> list[Item]:
        """All posts of one conversation rooted on the (London) day starting at day_start."""
        world, rng = self.world, self.rng
        spec = world.forces[fi]
        platform = "twitter"
        if self.mastodon and spec.mastodon_instance and rng.random() < spec.mastodon_share:
            platform = "mastodon"
        items: list[Item] = []
        if rng.random() < P_POLICE_ROOT:
            self._police_thread(day_start, fi, platform, items)
        else:
            t0 = self._hour(day_start, self.citizen_hours)
            target = self._police(spec.name, self.mention_types, platform)
            citizen = self._citizen(fi)
            group = self.mention_mix.pick(rng)
            ctx = Ctx(rng, world, spec, platform, citizen, target=target)
            root = self._item(platform, t0, citizen, self.book.citizen_post(ctx, group, "mention"), "original",
                              None, _intent_codes(group), ctx.links, fi)
            root.inline = [target]
            self._engage_citizen(root)
            items.append(root)
            self._dialogue(root, group, target, items, 0, "mention")
        return items

    def _police_thread(self, day_start: int, fi: int, platform: str, items: list[Item]) -> None:
        world, rng, book = self.world, self.rng, self.book
        spec = world.forces[fi]
        author = self._police(spec.name, self.post_types, platform)
        topic = self.topics[author.account_type or "force_corporate"].pick(rng)
        t0 = self._hour(day_start, self.police_hours)
        ctx = Ctx(rng, world, spec, platform, author)
        text, mode = book.police_original(ctx, topic)
        root = self._item(platform, t0, author, text, "original", None,
                          (("mode", mode), ("topic", topic), ("objective", OBJECTIVE[topic])), ctx.links, fi)
        scale = (author.followers / 10_000) ** 0.3
        engagement = ENGAGEMENT_PER_TOPIC[topic] * self._ln(0, 1.0)
        root.likes = int(author.followers * 0.0015 * engagement)
        root.reposts = int(root.likes * (0.6 if topic == "appeal" else 0.15) * self._ln(0, 0.5))
        root.quotes = int(root.reposts * 0.05)
        root.bookmarks = int(root.likes * 0.03)
        root.views = int(author.followers * 0.08 * self._ln(0, 0.8)) + root.likes * 25
        items.append(root)
        n_replies = 0 if rng.random() < 0.3 else min(40, int(REPLIES_PER_TOPIC[topic] * scale
                                                             * self._ln(0, 1.0) + 0.5))
        mix = self.citizen_mix[topic]
        for _ in range(n_replies):
            t = root.t + min(3 * 86400, int(CITIZEN_REPLY_MEDIAN_S * self._ln(0, CITIZEN_REPLY_SIGMA)))
            citizen = self._citizen(fi)
            group = mix.pick(rng)
            cctx = Ctx(rng, world, spec, platform, citizen, target=author, topic=topic)
            reply = self._item(platform, t, citizen, book.citizen_post(cctx, group, topic), "reply", root,
                               _intent_codes(group), cctx.links, fi)
            self._engage_citizen(reply)
            items.append(reply)
            self._dialogue(reply, group, author, items, 0, topic)
        if author.account_type != "force_corporate" and rng.random() < 0.25:
            corporate = world.corporate[spec.name]
            if platform == "twitter" or corporate.mastodon_id:
                self._repost(root, corporate, root.t + int(self._ln(7.0, 1.0)), items)
        if topic == "appeal" and rng.random() < 0.5:
            for _ in range(int(self._ln(0, 0.9))):
                self._repost(root, self._citizen(fi), root.t + int(self._ln(8.0, 1.2)), items)
        if platform == "twitter" and rng.random() < 0.04:
            citizen = self._citizen(fi)
            group = ("complaint", "praise", "other", "question")[int(rng.random() * 4)]
            qctx = Ctx(rng, world, spec, platform, citizen, target=author, topic=topic)
            body = book.citizen_post(qctx, group, topic)
            short = t_co(rng)
            qctx.links.append((short, f"https://twitter.com/{author.handle}/status/{root.id}"))
            quote = self._item(platform, root.t + int(self._ln(8.0, 1.0)), citizen, f"{body} {short}",
                               "quote", None, _intent_codes(group), qctx.links, fi)
            quote.quoted = root
            root.quotes += 1
            self._engage_citizen(quote)
            items.append(quote)

    def _repost(self, original: Item, by: Actor, t: int, items: list[Item]) -> None:
        repost = self._item(original.platform, t, by, "", "repost", None, (), [], original.force_index)
        repost.reposted = original
        items.append(repost)

    def _dialogue(self, post: Item, group: str, police: Actor, items: list[Item], depth: int, topic: str) -> None:
        """Maybe answer a citizen post; maybe the citizen comes back; recurse for depth."""
        rng, world = self.rng, self.world
        intents = INTENTS[group]
        primary = intents[0]
        urgent = "urgent" in intents
        needs = any(i in NEEDS_RESPONSE for i in intents)
        category = "urgent" if urgent else "needs" if needs else primary
        spec = world.forces[post.force_index]
        responder = police
        if police.account_type != "force_corporate" and rng.random() < 0.1:
            corporate = world.corporate[spec.name]
            if post.platform == "twitter" or corporate.mastodon_id:
                responder = corporate
        account_type = responder.account_type or "force_corporate"
        if needs:
            self.needs_response += 1
        if rng.random() < P_REPLY[category][account_type] * DEPTH_DECAY ** depth:
            delay, office = self._reply_delay(account_type, post.t, urgent)
            kind_intent = "urgent" if urgent else primary
            kind = self.kinds[(kind_intent, account_type)].pick(rng)
            practices, stance = REPLY_KINDS[kind]
            ctx = Ctx(rng, world, spec, post.platform, responder, target=post.author, topic=topic)
            codes = (("mode", "engage"),) + tuple(("practice", p) for p in practices) + (("stance", stance),)
            reply = self._item(post.platform, post.t + delay, responder, self.book.police_reply(ctx, kind), "reply",
                               post, codes, ctx.links, post.force_index)
            reply.likes = int(self._ln(0.2, 1.1))
            reply.views = int(30 + reply.likes * 20 + post.views * 0.3)
            items.append(reply)
            self.delays.add(delay, "all", account_type, "office_hours" if office else "off_hours")
            if depth + 1 < MAX_ROUNDS and rng.random() < P_FOLLOW_UP[account_type] * DEPTH_DECAY ** depth:
                follow = self.follow_mix[stance].pick(rng)
                t = reply.t + int(FOLLOW_UP_MEDIAN_S * self._ln(0, FOLLOW_UP_SIGMA))
                fctx = Ctx(rng, world, spec, post.platform, post.author, target=responder)
                follow_up = self._item(post.platform, t, post.author, self.book.citizen_post(fctx, follow, "followup"),
                                       "reply", reply, _intent_codes(follow), fctx.links, post.force_index)
                self._engage_citizen(follow_up)
                items.append(follow_up)
                self._dialogue(follow_up, follow, responder, items, depth + 1, topic)
        elif needs:
            self.unanswered += 1
        if depth == 0 and post.kind == "reply" and rng.random() < 0.12:
            other = self._citizen(post.force_index)
            if other is not post.author:
                cctx = Ctx(rng, world, spec, post.platform, other, target=post.author)
                text, intent = self.book.chime_in(cctx)
                t = post.t + int(CITIZEN_REPLY_MEDIAN_S * self._ln(0, 1.0))
                chime = self._item(post.platform, t, other, text, "reply", post, (("citizen_intent", intent),),
                                   cctx.links, post.force_index)
                self._engage_citizen(chime)
                items.append(chime)

    def _reply_delay(self, account_type: str, t: int, urgent: bool) -> tuple[int, bool]:
        weekday, hour = self.clock.local(t)
        office = weekday < 5 and 9 <= hour < 17
        factor = 1.0 if office else NIGHT_FACTOR if (hour < 7 or hour >= 23) else OFF_HOURS_FACTOR
        if urgent:
            factor *= URGENT_FACTOR
        seconds = DELAY_MEDIAN_MINUTES[account_type] * 60 * factor * self._ln(0, DELAY_SIGMA)
        return max(MIN_DELAY_S, min(MAX_DELAY_S, int(seconds))), office

    def orphan(self, day_start: int, fi: int) -> Item:
        """A citizen reply to a police post that was deleted before collection (its parent is missing)."""
        spec = self.world.forces[fi]
        police = self.world.corporate[spec.name]
        t = self._hour(day_start, self.citizen_hours)
        citizen = self._citizen(fi)
        ctx = Ctx(self.rng, self.world, spec, "twitter", citizen, target=police, topic="incident_update")
        item = self._item("twitter", t, citizen, self.book.citizen_post(ctx, "question", "incident_update"), "reply",
                          None, _intent_codes("question"), ctx.links, fi)
        item.missing_parent = (self._id("twitter", t - 3600), police)
        item.prefix = [police]
        self._engage_citizen(item)
        return item


def _intent_codes(group: str) -> tuple[tuple[str, str], ...]:
    return tuple(("citizen_intent", code) for code in INTENTS[group])
