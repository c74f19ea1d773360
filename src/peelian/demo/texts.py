"""The demo's phrasebook: templates × slots × places × times, per topic, intent and reply kind.

Each template belongs to exactly one code combination, so the generator knows the true
codes of every post it writes (the ground truth for tests and the classifier benchmark).
Templates are compiled once into (literal, slot) pairs; filling one is a join, which keeps
generation fast enough for benchmark-sized corpora. British English; every name is invented.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peelian.demo.world import FIRST_NAMES, Actor, ForceSpec

if TYPE_CHECKING:
    from peelian.demo.world import World

TOPICS = ("appeal", "incident_update", "insight", "court_result", "traffic", "prevention_advice", "online_meeting",
          "conversation", "recruitment", "other")
OBJECTIVE = {"appeal": "tactical", "incident_update": "operational", "traffic": "operational",
             "court_result": "operational", "prevention_advice": "influence", "insight": "influence",
             "conversation": "influence", "online_meeting": "influence", "recruitment": "capacity", "other": "unclear"}

# Citizen template groups → the citizen_intent codes they carry.
INTENTS: dict[str, tuple[str, ...]] = {
    "question": ("question",),
    "question_complaint": ("question", "complaint"),
    "report": ("report",),
    "report_urgent": ("report", "urgent"),
    "request_help": ("request_help",),
    "request_help_question": ("request_help", "question"),
    "complaint": ("complaint",),
    "complaint_abuse": ("complaint", "abuse"),
    "praise": ("praise",),
    "abuse": ("abuse",),
    "other": ("other",),
}
NEEDS_RESPONSE = {"question", "report", "urgent", "request_help", "complaint"}

# Police reply kinds → (practice codes, stance).
REPLY_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "answer_towards": (("advice",), "towards"),
    "answer_neutral": (("advice",), "neutral"),
    "reassure": (("reassurance",), "neutral"),
    "ack": (("acknowledgement",), "neutral"),
    "ack_reassure": (("acknowledgement", "reassurance"), "towards"),
    "redirect_canned": (("redirection",), "away"),
    "redirect_helpful": (("redirection", "advice"), "towards"),
    "redirect_999": (("redirection",), "towards"),
    "thanks": (("thanks_praise",), "neutral"),
    "thanks_banter": (("thanks_praise", "banter"), "towards"),
    "banter": (("banter",), "towards"),
    "correction": (("correction",), "neutral"),
    "refusal": (("refusal",), "away"),
    "complaint_route": (("redirection", "acknowledgement"), "away"),
    "warning": (("informal_warning",), "against"),
    "sarcasm": (("correction",), "against"),
}

STREETS = ("High Street", "Station Road", "Church Street", "Victoria Road", "Park Road", "Mill Lane", "King Street",
           "Queen's Road", "London Road", "The Parade", "Market Square", "Albert Road", "Grove Lane",
           "Springfield Road", "Manor Way", "Canal Street", "Brook Lane", "Chapel Street", "School Lane",
           "Bridge Street", "Elm Close", "Beech Avenue", "Orchard Way", "the ring road")
VENUES = ("the Co-op", "the Tesco Express", "the Red Lion", "the bus station", "the park", "the leisure centre",
          "the retail park", "the train station", "the chippy", "the Spar", "the library", "the McDonald's",
          "the primary school", "the Costa", "the precinct", "the Crown")
COLOURS = ("silver", "black", "white", "grey", "dark blue", "red", "green")
CARS = ("Ford Focus", "Vauxhall Corsa", "BMW 3 Series", "Audi A3", "VW Golf", "Nissan Qashqai", "Ford Transit van",
        "Toyota Yaris", "Mercedes C-Class", "Range Rover Evoque", "Kia Sportage", "motorbike")
ITEMS = ("bike", "catalytic converter", "work tools", "phone", "e-scooter", "car", "van", "handbag", "parcel",
         "number plates", "laptop", "lawnmower")
OFFENCES = ("burglary", "robbery", "possession with intent to supply class A drugs", "dangerous driving",
            "causing death by dangerous driving", "grievous bodily harm", "theft of motor vehicles", "arson",
            "fraud", "stalking", "possession of an offensive weapon", "aggravated burglary")
SENTENCES = ("six years", "18 months", "four years and three months", "two years", "eight years", "30 months",
             "a 12-month community order", "nine years", "three years and eight months", "a suspended sentence")
JOBS = ("police constables", "PCSOs", "special constables", "999 call handlers", "detective constables",
        "police staff investigators", "volunteer cadet leaders", "forensic examiners")
EVENTS = ("live Q&A", "online surgery", "Teams drop-in", "live chat", "virtual beat meeting", "online community meeting")
DOGS = ("PD Bruno", "PD Nell", "PD Ghost", "PD Tess", "PD Ruger", "PD Hops", "PD Maple", "PD Zeus", "PD Bramble")
DAYPARTS = ("this morning", "last night", "yesterday afternoon", "earlier today", "on Saturday night",
            "on Friday evening", "in the early hours of this morning", "on Sunday afternoon", "yesterday evening")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LINK_PATHS = ("report", "ro/report/ocr/af/how-to-report-a-crime", "careers", "news/appeals", "contact-us",
              "advice/crime-prevention", "ro/report/rti/rti-beta-2.1/report-a-road-traffic-incident",
              "news/court-results", "advice/your-area", "complaints")
SHORT_ALPHABET = string.ascii_letters + string.digits


@dataclass
class Ctx:
    """What a template may draw on: randomness, the force, the accounts involved, the platform."""

    rng: random.Random
    world: World
    force: ForceSpec
    platform: str
    author: Actor
    target: Actor | None = None  # the police account a citizen addresses, or the citizen a reply answers
    topic: str = "other"
    links: list[tuple[str, str]] = field(default_factory=list)


def _pick(seq: tuple[str, ...]) -> Callable[[Ctx], str]:
    n = len(seq)
    return lambda c: seq[int(c.rng.random() * n)]


def _place(c: Ctx) -> str:
    if c.author.force is not None and c.author.account_type in ("team", "officer") and c.rng.random() < 0.7:
        return c.author.home or c.force.places[0]
    return c.force.places[int(c.rng.random() * len(c.force.places))]


def _road(c: Ctx) -> str:
    road = c.force.roads[int(c.rng.random() * len(c.force.roads))]
    r = c.rng.random()
    if road[0] == "M" and road[1:].isdigit():
        j = 2 + int(c.rng.random() * 20)
        direction = ("northbound", "southbound", "eastbound", "westbound")[int(r * 4)]
        return f"the {road} {direction} between J{j} and J{j + 1}"
    if r < 0.5:
        return f"the {road} near {_place(c)}"
    return f"the {road}"


def _clock(c: Ctx) -> str:
    h = 1 + int(c.rng.random() * 12)
    m = int(c.rng.random() * 12) * 5
    return f"{h}.{m:02d}{'am' if c.rng.random() < 0.4 else 'pm'}" if m else f"{h}{'am' if c.rng.random() < 0.4 else 'pm'}"


def _url(c: Ctx) -> str:
    domain = c.force.domain
    path = LINK_PATHS[int(c.rng.random() * len(LINK_PATHS))]
    expanded = f"https://www.{domain}/{path}"
    if c.platform == "mastodon":
        c.links.append((expanded, expanded))
        return expanded
    short = t_co(c.rng)
    c.links.append((short, expanded))
    return short


_SLUG_HALVES = [''.join(random.Random(i).choices(SHORT_ALPHABET, k=5)) for i in range(4096)]


def t_co(rng: random.Random) -> str:
    """A t.co short link: ten base-62 characters (two table lookups, for speed)."""
    bits = rng.getrandbits(24)
    return f"https://t.co/{_SLUG_HALVES[bits >> 12]}{_SLUG_HALVES[bits & 4095]}"


def _police_handle(c: Ctx) -> str:
    target = c.target if c.target is not None and c.target.is_police else c.world.corporate[c.force.name]
    return "@" + target.handle_on(c.platform).split("@")[0]


def _officer(c: Ctx) -> str:
    officers = c.world.by_force[c.force.name]["officer"]
    return officers[int(c.rng.random() * len(officers))].name


def _team(c: Ctx) -> str:
    if c.author.account_type in ("team", "officer") and c.author.unit:
        return c.author.unit
    teams = c.world.by_force[c.force.name]["team"]
    return teams[int(c.rng.random() * len(teams))].unit or "neighbourhood team"


def _hi(c: Ctx) -> str:
    target = c.target
    if target is not None and target.first_name and c.rng.random() < 0.6:
        return f"Hi {target.first_name}, "
    return ("Hi, ", "Hello, ", "", "Morning, " if c.rng.random() < 0.5 else "Evening, ")[int(c.rng.random() * 4)]


def _sign(c: Ctx) -> str:
    if c.author.account_type == "force_corporate" and c.rng.random() < 0.7:
        return f" ^{c.author.initials}"
    return ""


def _emoji(c: Ctx) -> str:
    r = c.rng.random()
    return "" if r < 0.55 else (" 👍", " 🙂", " 👮", " 🙏", " 😊", " 💙")[int((r - 0.55) / 0.45 * 6)]


def _n(c: Ctx) -> str:
    return ("two", "three", "four", "five", "six", "seven", "eight", "a dozen")[int(c.rng.random() * 8)]


def _log(c: Ctx) -> str:
    return f"{100 + int(c.rng.random() * 4800)} of {1 + int(c.rng.random() * 28)}/{1 + int(c.rng.random() * 12)}"


def _tag(c: Ctx) -> str:
    tags = TOPIC_TAGS.get(c.topic, ("#Policing",))
    return tags[int(c.rng.random() * len(tags))].replace("{short}", c.force.short)


SLOTS: dict[str, Callable[[Ctx], str]] = {
    "place": _place,
    "place2": lambda c: c.force.places[int(c.rng.random() * len(c.force.places))],
    "street": _pick(STREETS),
    "venue": _pick(VENUES),
    "road": _road,
    "clock": _clock,
    "daypart": _pick(DAYPARTS),
    "weekday": _pick(WEEKDAYS),
    "teen": lambda c: str(12 + int(c.rng.random() * 6)),
    "age": lambda c: str(19 + int(c.rng.random() * 50)),
    "first": _pick(FIRST_NAMES),
    "vehicle": lambda c: f"{COLOURS[int(c.rng.random() * len(COLOURS))]} {CARS[int(c.rng.random() * len(CARS))]}",
    "item": _pick(ITEMS),
    "offence": _pick(OFFENCES),
    "sentence": _pick(SENTENCES),
    "court": lambda c: c.force.courts[int(c.rng.random() * len(c.force.courts))],
    "force": lambda c: c.force.name,
    "short": lambda c: c.force.short,
    "police": _police_handle,
    "officer": _officer,
    "team": _team,
    "url": _url,
    "tag": _tag,
    "n": _n,
    "log": _log,
    "job": _pick(JOBS),
    "event": _pick(EVENTS),
    "dog": _pick(DOGS),
    "hi": _hi,
    "sign": _sign,
    "emoji": _emoji,
    "height": lambda c: f"5ft {1 + int(c.rng.random() * 10)}in",
}

TOPIC_TAGS: dict[str, tuple[str, ...]] = {
    "appeal": ("#Appeal", "#Missing", "#CanYouHelp", "#{short}Appeal"),
    "incident_update": ("#Update", "#{short}", "#Incident"),
    "insight": ("#PoliceDogs", "#BehindTheBadge", "#{short}", "#TeamWork", "#PoliceLife"),
    "court_result": ("#Jailed", "#CourtResult", "#Justice", "#{short}"),
    "traffic": ("#RoadSafety", "#Fatal4", "#{short}Roads", "#DrinkDriving", "#TravelUpdate"),
    "prevention_advice": ("#CrimePrevention", "#StaySafe", "#{short}Advice", "#ProtectYourself"),
    "online_meeting": ("#AskThePolice", "#YourVoice", "#Community"),
    "conversation": ("#Policing", "#{short}", "#YourQuestions"),
    "recruitment": ("#JoinUs", "#Recruitment", "#PoliceCareers", "#SpecialConstabulary"),
    "other": ("#{short}", "#Community", "#ThankYou"),
}

# ---- police original posts: topic → [(mode, template)] ---------------------------------------
POLICE_ORIGINAL: dict[str, list[tuple[str, str]]] = {
    "appeal": [
        ("request", "Have you seen {first}? The {teen}-year-old was last seen in {place} {daypart} wearing a dark "
                    "hoodie and grey joggers. If you see {first}, please call 999 quoting log {log}. {tag}"),
        ("request", "We're appealing for witnesses after a {offence} on {street}, {place} at around {clock} "
                    "{daypart}. Did you see anything? Call 101 or report online: {url}"),
        ("request", "Do you recognise this man? We'd like to speak to him about a {offence} in {place}. "
                    "Info via {url} or 101, log {log}. {tag}"),
        ("request", "MISSING: {first}, {age}, from {place}. {first} is described as {height} with short dark hair. "
                    "We're growing concerned. Please share. {tag}"),
        ("request", "Can you help? A {vehicle} was stolen from {street} in {place} {daypart}. Any dashcam or "
                    "doorbell footage would be a big help. Report via {url}"),
        ("request", "We're keen to hear from anyone who was on {road} around {clock} {daypart} and has dashcam "
                    "footage of a collision involving a {vehicle}. {url} {tag}"),
        ("request", "Were you near {venue} in {place} {daypart}? A woman was assaulted and we need witnesses. "
                    "Please get in touch on 101 quoting log {log}."),
        ("request", "UPDATE: we're still looking for {first}, {teen}, missing from {place} since {weekday}. Have "
                    "you seen them? Call 999 with any sightings. Please RT. {tag}"),
        ("request", "Footage wanted: a {item} was taken from a garden on {street}, {place} {daypart}. If you "
                    "live nearby please check your CCTV and report it at {url}"),
        ("request", "Help us find the owner of this {item} found in {place} during a warrant {daypart}. Is it "
                    "yours? Contact us via {url} with proof of ownership. {tag}"),
    ],
    "incident_update": [
        ("inform", "{street} in {place} is closed while we deal with an incident. Please avoid the area and "
                   "find another route. We'll update when it reopens."),
        ("inform", "UPDATE: the cordon on {street}, {place} has now been lifted. Thanks for your patience. {tag}"),
        ("inform", "We've arrested {n} people after reports of a disturbance near {venue} in {place} {daypart}. "
                   "Officers remain in the area to reassure residents."),
        ("inform", "A man has been arrested on suspicion of {offence} after officers were called to {street}, "
                   "{place} at {clock}. He remains in custody. {url}"),
        ("inform", "Our officers are at the scene of a fire on {street}, {place} alongside colleagues from the fire "
                   "service. There's no wider risk to the public. {tag}"),
        ("inform", "You may see more officers around {place} this evening following an incident {daypart}. "
                   "Please speak to them if you have concerns. {tag}"),
        ("inform", "Just after {clock} we were called to reports of a man with a knife near {venue}, {place}. "
                   "Officers were there within minutes and a man has been detained. No one was hurt."),
        ("inform", "The police helicopter over {place} {daypart} was supporting officers searching for a "
                   "suspect after a {offence}. He has now been found and arrested. {tag}"),
        ("inform", "A dispersal order is in place in {place} until 6am after reports of anti-social behaviour "
                   "around {venue}. {url}"),
    ],
    "insight": [
        ("inform", "Meet {dog}, one of our newest recruits, who passed out this week after 13 weeks of training. "
                   "Say hello if you see him out with his handler! {tag}"),
        ("inform", "A busy night for the {team}: {n} arrests, a stolen {vehicle} recovered and a lot of tea. "
                   "Thanks to everyone who called in information. {tag}"),
        ("inform", "Ever wondered what happens when you call 101? Our contact centre took over 4,000 calls this "
                   "week. Here's a look behind the scenes: {url} {tag}"),
        ("inform", "{officer} and the {team} spent today at {venue} in {place} chatting to residents about "
                   "the issues that matter to them. {tag}"),
        ("inform", "Today our officers completed public order training ahead of the summer. Long day, lots of "
                   "kit, very wet. {tag}"),
        ("inform", "Proud of our Special Constables, who gave over 2,000 volunteer hours last month across "
                   "{force}. Thank you! {tag}"),
        ("inform", "Warrant executed on {street}, {place} {daypart}: cannabis plants, cash and a {item} "
                   "seized. This followed information from the community. {tag}"),
        ("inform", "Our drone team helped find a vulnerable man who had got lost near {place2} {daypart}. He's "
                   "now safe and well. {tag}"),
        ("inform", "{dog} had a good shift {daypart}, tracking a suspect who ran from a stolen {vehicle} in "
                   "{place}. Good boy. {tag}"),
    ],
    "court_result": [
        ("inform", "JAILED: a {age}-year-old man from {place} has been sentenced to {sentence} at {court} for "
                   "{offence}. {url} {tag}"),
        ("inform", "A man who committed a {offence} in {place} has been jailed for {sentence}. Our thanks to the "
                   "victim for their courage in supporting the case. {tag}"),
        ("inform", "Two men have been charged with {offence} after a warrant in {place} {daypart}. They will "
                   "appear at {court} tomorrow. {tag}"),
        ("inform", "A {age}-year-old woman has been found guilty of {offence} at {court}. She will be sentenced "
                   "next month. {url}"),
        ("inform", "A driver has been jailed for {sentence} and banned from driving after a crash on {road}. "
                   "{tag} {url}"),
        ("inform", "Sentenced: a prolific offender from {place} has received {sentence} at {court} for a series "
                   "of {offence} offences. {tag}"),
        ("inform", "A man has been remanded in custody charged with {offence} following an incident on "
                   "{street}, {place} {daypart}. {tag}"),
    ],
    "traffic": [
        ("inform", "Collision on {road}. Two lanes closed, expect delays. Please avoid if you can. {tag}"),
        ("inform", "{road} has now fully reopened following the earlier collision. Thanks for your patience. "
                   "{tag}"),
        ("inform", "Stopped on {road} {daypart}: no insurance, no licence and a {item} in the boot. Vehicle "
                   "seized. {tag}"),
        ("inform", "{n} drivers arrested for drink or drug driving in {place} this weekend. It's never worth "
                   "the risk. {tag}"),
        ("inform", "This {vehicle} was clocked at 98mph on {road} {daypart}. The driver will be in court. "
                   "{tag}"),
        ("inform", "Roadworks on {road} from {weekday}: overnight closures between 8pm and 6am. Plan ahead. {url}"),
        ("inform", "Our roads policing officers stopped {n} vehicles in {place} today as part of an operation "
                   "targeting mobile phone use at the wheel. {tag}"),
        ("inform", "Heavy traffic around {place} this afternoon after a broken-down lorry on {road}. Allow "
                   "extra time. {tag}"),
    ],
    "prevention_advice": [
        ("inform", "We've had reports of {item} thefts in {place} recently. Please keep them locked and out of "
                   "sight, and register them at {url} {tag}"),
        ("inform", "Scam alert: fraudsters are calling residents in {place} pretending to be from the bank. Your "
                   "bank will never ask you to move money. Hang up and call 159. {tag}"),
        ("inform", "Going away? Use timer switches, cancel deliveries and ask a neighbour to move your bins. "
                   "Simple steps make your home less of a target. {tag}"),
        ("inform", "Keyless car theft is on the rise in {place}. Keep your fob in a signal-blocking pouch and "
                   "use a steering lock. {url} {tag}"),
        ("inform", "Nights are drawing in. Make sure sheds and garages are locked and consider a light on a "
                   "timer. {tag}"),
        ("inform", "Online shopping? Pay by card, not bank transfer, and be wary of deals that look too good "
                   "to be true. More advice: {url} {tag}"),
        ("inform", "Out in {place} tonight? Plan your journey home, stick with friends and keep an eye on your "
                   "drink. {tag}"),
        ("inform", "Free bike marking at {venue}, {place} on {weekday} from 10am to 2pm. Marked bikes are less "
                   "likely to be stolen and easier to return. {tag}"),
        ("inform", "If you see something that doesn't feel right, report it. Call 101, use {url} or call 999 "
                   "in an emergency. {tag}"),
    ],
    "online_meeting": [
        ("inform", "Join the {team} for a {event} on {weekday} at 7pm. We'll talk about what we're doing in "
                   "{place} and answer your questions. Link: {url} {tag}"),
        ("request", "We're holding a {event} next week. Send us your questions in advance by replying to this "
                    "post or via {url} {tag}"),
        ("inform", "Our {event} with the Chief Constable starts at 6pm tonight. Tune in: {url} {tag}"),
        ("inform", "Thanks to everyone who joined our {event} tonight. The recording is here: {url} {tag}"),
        ("request", "What should we focus on in {place}? Tell us before our {event} on {weekday}: {url} {tag}"),
        ("inform", "{officer} will be holding a {event} for {place} residents on {weekday} at 6.30pm. {url}"),
    ],
    "conversation": [
        ("inform", "We've seen a lot of questions about the police presence in {place} this week. It's part of "
                   "planned patrols targeting anti-social behaviour, not a response to a single incident. {tag}"),
        ("inform", "Why do we sometimes not attend straight away? Every call is assessed on risk, and we send "
                   "officers to the most urgent first. Here's how it works: {url}"),
        ("inform", "Some of you have asked why we don't name people who are arrested. By law we can only name "
                   "people once they are charged. {tag}"),
        ("inform", "A video circulating online shows officers in {place} {daypart}. It doesn't tell the whole "
                   "story; we've referred ourselves to the IOPC and will say more when we can. {tag}"),
        ("inform", "Stop and search is one of our most scrutinised powers. Here's what we found in {place} "
                   "last month and why we use it: {url} {tag}"),
        ("inform", "You told us speeding on {street} in {place} worries you, so we've been out with speed guns "
                   "this week. {n} drivers were caught. {tag}"),
    ],
    "recruitment": [
        ("inform", "We're recruiting {job}! No degree needed, full training provided. Applications close "
                   "on {weekday} week: {url} {tag}"),
        ("inform", "Want a career that makes a difference? Our {job} recruitment window is now open. {url} {tag}"),
        ("inform", "Could you give 16 hours a month as a Special Constable? Find out more at our open evening in "
                   "{place}: {url} {tag}"),
        ("inform", "Meet {officer}, who joined us as a call handler and is now a detective. Your career could "
                   "start here: {url} {tag}"),
        ("inform", "Our next {job} information session is online on {weekday} evening. Register: {url} {tag}"),
    ],
    "other": [
        ("inform", "Wishing everyone in {place} a safe and happy bank holiday weekend. {tag}"),
        ("inform", "Today we remember colleagues who lost their lives in the line of duty. {tag}"),
        ("inform", "Our annual report is out today. Read how we performed across {force}: {url}"),
        ("inform", "Congratulations to the {team}, who won a community award last night! {tag}"),
        ("inform", "Good luck to everyone running the {place} half marathon on {weekday}. Some roads will be "
                   "closed: {url} {tag}"),
        ("inform", "Happy Eid to all our communities celebrating across {force}. {tag}"),
        ("inform", "It's Volunteers' Week: thank you to everyone who gives their time to {force}. {tag}"),
    ],
}

# ---- citizen posts: (group, context) → templates. context is a topic, "mention" or "followup" --
CITIZEN: dict[tuple[str, str], list[str]] = {
    ("question", "*"): [
        "Any update on this?", "Is this still ongoing?", "What was going on in {place} {daypart}? Loads of "
        "police cars", "Has anyone been arrested?", "Is it safe to go out in {place} tonight?",
        "Does anyone know if {street} is open yet?", "Where can I find out more about this?",
    ],
    ("question", "appeal"): ["Has {first} been found yet?", "Any news? Hope they're safe", "Which part of {place}?",
                             "What was he wearing?", "Is there a photo?"],
    ("question", "traffic"): ["Is {road} still closed?", "How long will the closure be?",
                              "Is it clear now? Need to get to {place2}", "Which lanes are shut?"],
    ("question", "recruitment"): ["Do I need a degree to apply?", "Is there an upper age limit?",
                                  "Can you be a special and work full time?", "When's the next intake?"],
    ("question", "online_meeting"): ["Will this be recorded?", "Can I ask about parking on {street}?",
                                     "What time does it finish?", "Is there a link for people without Teams?"],
    ("question", "mention"): [
        "{police} why was the helicopter over {place} {daypart}?", "{police} is there a reason {street} is "
        "cordoned off?", "{police} how do I get a crime number for my insurance?", "{police} who do I contact "
        "about a car that's been abandoned on {street} for weeks?", "{police} is the 101 line down? Been on hold "
        "ages", "{police} what's happening near {venue} in {place}? Lots of officers",
    ],
    ("question", "followup"): ["Do I need to call again or will someone contact me?", "How long does that usually "
                               "take?", "Thanks. Is there a reference I should keep?", "Will someone come out?"],
    ("question_complaint", "*"): [
        "Why does it take three days to get a call back?", "Why is nobody ever around when it actually happens?",
        "So why wasn't anyone sent when we reported it last week?", "Why are you posting this but not answering "
        "101?",
    ],
    ("question_complaint", "mention"): [
        "{police} why does it take over an hour to get through on 101?", "{police} why do I never see a single "
        "officer in {place} anymore?", "{police} why has nobody come back to me about my {item} being stolen?",
    ],
    ("question_complaint", "followup"): ["Why should I have to chase it?", "So what's the point of reporting it?",
                                         "Why did nobody tell me that last week?"],
    ("report", "*"): [
        "There's a {vehicle} that keeps doing laps of {street}, {place}, every night.", "Kids on bikes "
        "throwing stones at buses near {venue} again.", "Someone was trying car door handles on {street} "
        "{daypart}. Caught it on my doorbell.", "Cars parked on the pavement on {street} every school run. "
        "Someone's going to get hurt",
    ],
    ("report", "appeal"): ["I think I saw her near {venue} in {place} about an hour ago",
                           "Pretty sure that's the {vehicle} that's been parked on {street}",
                           "Saw someone matching that description at {place2} station around {clock}",
                           "My doorbell camera caught something around that time, will send it in"],
    ("report", "mention"): [
        "{police} there's a {vehicle} abandoned on {street}, {place}, been there a week with the window smashed",
        "{police} drug dealing again outside {venue} in {place}, same {vehicle} every evening",
        "{police} someone has been fly-tipping on {street} in {place} at night, there's a {vehicle} involved",
        "{police} off-road bikes tearing up the playing fields in {place} again {daypart}",
    ],
    ("report", "followup"): ["It's there again now", "Forgot to say, the reg starts with a Y", "I've got "
                             "footage if you want it", "It happened again {daypart}"],
    ("report_urgent", "*"): ["There's a fight happening outside {venue} right now, someone's on the floor",
                             "Someone's trying to break into a house on {street} as we speak"],
    ("report_urgent", "mention"): [
        "{police} there's a man with a knife outside {venue} in {place} RIGHT NOW",
        "{police} car on fire on {street} {place}, people still nearby, please send someone",
        "{police} someone is breaking into cars on {street} right now, I can see them from my window",
    ],
    ("request_help", "*"): ["Can someone check on my elderly neighbour? Not seen her for days",
                            "Please can someone help, my son hasn't come home"],
    ("request_help", "mention"): [
        "{police} my {item} has been stolen from outside {venue} in {place}. Please can you help?",
        "{police} please can someone speak to the lads hanging round {venue} every night, residents are scared",
        "{police} can you send someone to {street}? Neighbours are having a party at 3am again",
    ],
    ("request_help", "followup"): ["Please can someone just come and have a look", "Can you at least pass it on "
                                   "to the local team?"],
    ("request_help_question", "*"): ["How do I report a stolen {item}? Mine went from {street} {daypart}",
                                     "Who do I speak to about getting my {item} back?"],
    ("request_help_question", "mention"): [
        "{police} my {item} was stolen from {street} {daypart}, what do I need to do?",
        "{police} someone's cloned my number plates, how do I report it?",
        "{police} how do I get my {item} back? It was taken as evidence months ago",
    ],
    ("complaint", "*"): [
        "Shame you don't put this much effort into burglaries", "Waited 40 minutes on 101 and gave up",
        "Never see any officers in {place}", "Would be nice if you answered your phone",
        "Another photo op while {place} goes to the dogs",
    ],
    ("complaint", "court_result"): ["{sentence}? That's pathetic.", "He'll be out in half that", "Not long enough",
                                    "Courts are a joke"],
    ("complaint", "traffic"): ["Sat in that for two hours, no updates at all", "Same junction every week. Do "
                               "something about it", "Why was it shut for so long?"],
    ("complaint", "mention"): [
        "{police} reported a burglary on {weekday}, still not had anyone out. Shocking.",
        "{police} your officers were rude and dismissive when I reported a {offence}.",
        "{police} three calls about the same {vehicle} and nothing done",
    ],
    ("complaint", "followup"): ["I've tried 101 three times, nobody answers", "That's exactly what I was told last "
                                "time", "Not good enough", "The online form doesn't even work"],
    ("complaint_abuse", "*"): ["Useless clowns the lot of you", "Absolute joke of a force, get a real job"],
    ("complaint_abuse", "followup"): ["Typical pig response", "You're all a waste of space"],
    ("praise", "*"): [
        "Great work", "Brilliant result, well done all", "Thank you for everything you do", "Fantastic news",
        "Well done to the officers involved 👏", "Love this", "Good to see",
    ],
    ("praise", "insight"): ["{dog} is gorgeous 😍", "What a good boy!", "Brilliant work team",
                            "Proper police work, well done"],
    ("praise", "mention"): [
        "{police} huge thanks to the officers who helped my mum in {place} {daypart}. So kind.",
        "{police} shout out to {officer} for sorting the parking outside the school in {place}",
        "{police} thank you to the officers at {venue} {daypart}, handled a tricky situation brilliantly",
    ],
    ("praise", "followup"): ["Thanks, really helpful", "Thank you, will do 👍", "Brilliant, thanks for getting back "
                             "to me", "Cheers, appreciate the reply"],
    ("abuse", "*"): ["ACAB", "Pigs", "Hope you lot get what's coming", "Nobody likes you"],
    ("abuse", "mention"): ["{police} bunch of clowns", "{police} you lot are the real criminals"],
    ("abuse", "followup"): ["Don't reply to me pig", "Go away"],
    ("other", "*"): ["😂😂", "Seen this?", "Sharing", "Praying for the family", "Crazy", "Wow"],
    ("other", "insight"): ["Can I stroke him?", "Does he get a treat after?", "My kids loved this"],
    ("other", "mention"): ["{police} my lad wants to know if he can see the horses", "{police} happy birthday "
                           "to {officer} from the school!"],
    ("other", "followup"): ["Fair enough", "Ha! 😂", "👍"],
}
CHIME = ["Same thing happens on {street} all the time", "Totally agree", "This is why nobody bothers reporting "
         "anything", "Exactly what I said", "Have you tried the online form? Worked for me", "Not true, they were "
         "great with us", "Same here in {place2}"]
CHIME_INTENT = ("complaint", "other", "complaint", "other", "other", "praise", "complaint")

# ---- police replies: kind → templates -------------------------------------------------------
POLICE_REPLY: dict[str, list[str]] = {
    "answer_towards": [
        "{hi}you can report it online at {url} and you'll get a crime number straight away for your insurance. "
        "If you get stuck, drop us a DM and we'll help.{sign}",
        "{hi}sorry to hear about your {item}. Please report it at {url} with as much detail as you can. "
        "The {team} are aware of thefts in the area and I'll make sure they see this.{sign}",
        "{hi}the best thing is to note the reg and time and report it via {url}. I'll flag it to the "
        "local officers so they can pop by when they're on patrol{emoji}",
        "{hi}I'd recommend registering it on BikeRegister. I'll be at {venue} on {weekday} if you want it "
        "marked, just come and find me{emoji}",
    ],
    "answer_neutral": [
        "{hi}officers are still at the scene and we'll post an update as soon as we can.{sign}",
        "{hi}the incident has been dealt with and officers have left the area.{sign}",
        "{hi}you can find the latest on our website: {url}{sign}",
    ],
    "reassure": [
        "{hi}there's no wider risk to the public and officers remain in the area.{sign}",
        "{hi}officers are aware and are dealing with it. There's no need for concern.{sign}",
        "{hi}it was a planned operation and there is no ongoing risk to residents.{sign}",
    ],
    "ack": [
        "Thanks, we've passed this on to the {team}.{sign}", "Thanks for letting us know, we've shared "
        "this with the officers dealing.{sign}", "Received, thank you. We'll look into it.{sign}",
        "Thanks for the information, it's been added to the log.{sign}",
    ],
    "ack_reassure": [
        "{hi}thanks for telling us. I've passed this to the {team} and we'll have extra patrols around "
        "{street} this week{emoji}", "{hi}thanks, we know about this one and officers are on it. I'll let you "
        "know how we get on.{sign}", "{hi}really appreciate you flagging this. It's on our radar and we're "
        "working with the council on it{emoji}",
    ],
    "redirect_canned": [
        "Please report this via {url} or call 101. This account is not monitored 24/7.{sign}",
        "We can't take reports on social media. Please use our online form: {url}{sign}",
        "Please send us a DM with your details.{sign}", "Please contact us via 101 or {url}.{sign}",
    ],
    "redirect_helpful": [
        "{hi}sorry to hear this. The quickest way is the online form at {url}; if you DM us your crime "
        "reference I'll chase it up for you.{sign}", "{hi}that one's for the council, who deal with abandoned "
        "vehicles. You can report it here: {url}. If it's causing an obstruction let us know{emoji}",
        "{hi}please report it online at {url} so it gets a reference. I'll also make sure the {team} "
        "know{emoji}",
    ],
    "redirect_999": [
        "Please call 999 now. This account is not monitored 24/7.{sign}", "{hi}if this is happening now please "
        "call 999 immediately so we can get officers there.{sign}", "Please ring 999 straight away if anyone "
        "is in danger.{sign}",
    ],
    "thanks": [
        "Thank you, we'll pass this on to the officers.{sign}", "Thanks for your kind words.{sign}",
        "Thank you for sharing.{sign}", "Thanks, much appreciated.{sign}",
    ],
    "thanks_banter": [
        "Thank you! I'll tell the team, they'll be unbearable now 😂", "Thanks! {dog} says thanks too, "
        "he's already had his treat 🐶", "Cheers! I'll put the kettle on in your honour ☕",
    ],
    "banter": [
        "Ha! He's a very good boy and he knows it 🐶", "We'll see what we can do. No promises about the horses "
        "😂", "The kettle is always on at {place} police station{emoji}", "Tell him to bring biscuits 😄",
    ],
    "correction": [
        "{hi}just to clarify, officers attended within 15 minutes and a man was arrested at the scene.{sign}",
        "{hi}that's not quite right: we have not stopped patrols in {place}; they happen every day.{sign}",
        "{hi}that isn't what happened. The full statement is here: {url}{sign}",
    ],
    "refusal": [
        "We can't comment on an ongoing investigation.{sign}", "We're unable to discuss individual cases on "
        "here.{sign}", "We won't be commenting further on this.{sign}",
    ],
    "complaint_route": [
        "Sorry to hear this. If you'd like to make a complaint you can do so here: {url}{sign}",
        "We're sorry you feel that way. Feedback can be submitted via {url}{sign}",
    ],
    "warning": [
        "Comments like this won't be tolerated. Further abuse will be reported.", "We'd remind you that abusive "
        "or threatening messages to our staff may be a criminal offence.", "We've seen the videos. Don't do it "
        "again.",
    ],
    "sarcasm": [
        "Perhaps read the post before commenting.", "If only there were a number you could call. Oh wait, "
        "there is: 101.", "Thanks for the expert opinion.",
    ],
}

# Replies that only make sense on one topic: (kind, topic) → templates, used before the kind's own.
POLICE_REPLY_ON_TOPIC: dict[tuple[str, str], list[str]] = {
    ("answer_neutral", "traffic"): [
        "{hi}{road} has now reopened.{sign}", "{hi}the closure is expected to last until around {clock}.{sign}",
        "{hi}lane one is still closed; all others are open.{sign}"],
    ("answer_neutral", "recruitment"): [
        "{hi}there is no upper age limit; full details are at {url}{sign}",
        "{hi}a degree isn't required. Entry routes are explained here: {url}{sign}",
        "{hi}yes, you can be a Special Constable alongside a full-time job.{sign}"],
    ("answer_neutral", "online_meeting"): [
        "{hi}yes, it will be recorded and shared on our website afterwards.{sign}",
        "{hi}it runs for an hour, and you can join by phone as well.{sign}"],
    ("answer_neutral", "appeal"): [
        "{hi}not yet, so please keep sharing.{sign}", "{hi}we can't share any more detail at the moment.{sign}"],
    ("answer_towards", "traffic"): [
        "{hi}it's still slow around {place}; if you're heading to {place2} I'd go via the ring road. I'll post "
        "when it's fully clear{emoji}", "{hi}the recovery truck is on its way, so it should clear within the hour. "
        "Safe journey{emoji}"],
    ("answer_towards", "recruitment"): [
        "{hi}great to hear you're interested! Drop us a DM and I'll put you in touch with someone from the "
        "recruitment team who can talk you through it{emoji}", "{hi}I joined at 41, so definitely not too late! "
        "Have a look at {url} and give me a shout if you have questions{emoji}"],
    ("answer_towards", "appeal"): [
        "{hi}thank you, that could really help. Please call 101 quoting the log number so an officer can take "
        "the details from you{emoji}", "{hi}thanks for looking out. If you see them again call 999 straight away "
        "and stay on the line{emoji}"],
    ("answer_towards", "incident_update"): [
        "{hi}I completely understand the worry. Officers will be around {place} all evening, so please stop "
        "and talk to us{emoji}"],
    ("correction", "traffic"): [
        "{hi}that's not quite right: the road was closed for safety while evidence was collected.{sign}"],
    ("correction", "court_result"): [
        "{hi}the sentence is decided by the court, not the police, but we're pleased he's off the streets.{sign}"],
}

POLICE_PREFIXES = {"incident_update": ("", "", "", "UPDATE | ", "🚨 "), "traffic": ("", "", "", "🚧 ", "🚨 "),
                   "prevention_advice": ("", "", "", "📢 "), "recruitment": ("", "", "📢 "),
                   "online_meeting": ("", "", "📢 ")}


class Template:
    """A compiled template: alternating literals and slot functions."""

    __slots__ = ("parts",)

    def __init__(self, text: str):
        parts: list[tuple[str, Callable[[Ctx], str] | None]] = []
        for literal, name, _spec, _conv in string.Formatter().parse(text):
            parts.append((literal, SLOTS[name] if name else None))
        self.parts = parts

    def fill(self, ctx: Ctx) -> str:
        out = []
        for literal, slot in self.parts:
            out.append(literal)
            if slot is not None:
                out.append(slot(ctx))
        return "".join(out)


class Phrasebook:
    """Picks and fills templates; returns text together with the codes the text carries."""

    def __init__(self) -> None:
        self.originals = {
            topic: [(mode, Template(text)) for mode, text in items] for topic, items in POLICE_ORIGINAL.items()
        }
        self.citizen = {key: [Template(t) for t in items] for key, items in CITIZEN.items()}
        self.chime = [Template(t) for t in CHIME]
        self.replies = {(kind, "*"): [Template(t) for t in items] for kind, items in POLICE_REPLY.items()}
        self.replies.update({key: [Template(t) for t in items] for key, items in POLICE_REPLY_ON_TOPIC.items()})

    def police_original(self, ctx: Ctx, topic: str) -> tuple[str, str]:
        """(text, mode) of a police original post on `topic`."""
        ctx.topic = topic
        choices = self.originals[topic]
        mode, template = choices[int(ctx.rng.random() * len(choices))]
        prefixes = POLICE_PREFIXES.get(topic)
        prefix = prefixes[int(ctx.rng.random() * len(prefixes))] if prefixes else ""
        return prefix + template.fill(ctx), mode

    def citizen_post(self, ctx: Ctx, group: str, context: str) -> str:
        """A citizen post of template `group`; a mention always names the police account it addresses."""
        specific = self.citizen.get((group, context))
        generic = self.citizen[(group, "*")]
        use_specific = specific is not None and (context in ("mention", "followup") or ctx.rng.random() < 0.65)
        pool = specific if use_specific and specific is not None else generic
        text = pool[int(ctx.rng.random() * len(pool))].fill(ctx)
        if context == "mention" and not use_specific:
            text = _police_handle(ctx) + " " + text
        return text

    def chime_in(self, ctx: Ctx) -> tuple[str, str]:
        k = int(ctx.rng.random() * len(self.chime))
        return self.chime[k].fill(ctx), CHIME_INTENT[k]

    def police_reply(self, ctx: Ctx, kind: str) -> str:
        """A police reply of `kind`, on the conversation's topic when the kind has topic templates."""
        templates = self.replies.get((kind, ctx.topic)) or self.replies[(kind, "*")]
        return templates[int(ctx.rng.random() * len(templates))].fill(ctx)
