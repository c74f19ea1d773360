"""The cast of the demo: forces, their police accounts, and a citizen population.

Police accounts are few and fixed, so they are objects. Citizens can number in the
millions for a benchmark corpus, so a citizen is derived on demand from its index by
integer hashing: no per-citizen state is kept and memory stays flat in corpus size.
Every name, handle and id here is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
TWITTER_EPOCH_MS = 1288834974657


@dataclass(frozen=True)
class ForceSpec:
    """A force as the demo knows it: names, patch, roads, courts and where it posts."""

    name: str
    short: str
    handle: str
    domain: str
    places: tuple[str, ...]
    roads: tuple[str, ...]
    courts: tuple[str, ...]
    units: tuple[tuple[str, str, str], ...]  # (unit name, handle suffix, display suffix)
    weight: float
    mastodon_instance: str | None = None
    mastodon_share: float = 0.0


FORCES: tuple[ForceSpec, ...] = (
    ForceSpec(
        "West Midlands Police", "WMP", "WestMidsPolice", "west-midlands.police.uk",
        ("Birmingham city centre", "Erdington", "Sparkhill", "Sutton Coldfield", "Wolverhampton", "Coventry",
         "Dudley", "Walsall", "Solihull", "West Bromwich", "Handsworth", "Selly Oak"),
        ("M6", "M5", "A38", "A45", "M42", "A34", "Aston Expressway"),
        ("Birmingham Crown Court", "Wolverhampton Crown Court", "Birmingham Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Dog Unit", "Dogs", "Police Dogs")),
        1.3,
    ),
    ForceSpec(
        "Greater Manchester Police", "GMP", "GtrMcrPolice", "gmp.police.uk",
        ("Manchester city centre", "Salford", "Stockport", "Oldham", "Bolton", "Wigan", "Rochdale", "Moss Side",
         "Didsbury", "Trafford", "Bury", "Tameside"),
        ("M60", "M62", "M56", "A6", "A57", "M61", "Mancunian Way"),
        ("Manchester Crown Court", "Bolton Crown Court", "Manchester Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Tactical Aid Unit", "TAU", "Tactical Aid")),
        1.2,
    ),
    ForceSpec(
        "Avon and Somerset Police", "ASP", "AvonSomPolice", "avonandsomerset.police.uk",
        ("Bristol city centre", "Bath", "Weston-super-Mare", "Taunton", "Bridgwater", "Yeovil", "Bedminster",
         "Easton", "Clevedon", "Frome", "Keynsham", "Glastonbury"),
        ("M5", "M4", "M32", "A37", "A38", "A39", "A303"),
        ("Bristol Crown Court", "Taunton Crown Court", "Bristol Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Rural Crime Team", "Rural", "Rural Crime")),
        1.0,
    ),
    ForceSpec(
        "Northshire Police", "NSP", "NorthshirePol", "northshire.police.uk",
        ("Castlebridge", "Hollowmere", "Ashby Fen", "Kingsworth", "Saltby", "Eldon Vale", "Fenwick Cross",
         "Marlow Green", "Upper Thorne", "Brackenford"),
        ("A614", "A6120", "B1240", "A17", "Castlebridge ring road"),
        ("Castlebridge Crown Court", "Hollowmere Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Rural Crime Team", "Rural", "Rural Crime")),
        0.7, "social.northshire.police.uk", 0.35,
    ),
    ForceSpec(
        "Wealdshire Police", "WSP", "WealdshirePol", "wealdshire.police.uk",
        ("Ashford Vale", "Penhurst", "Oakleigh", "Tonbury", "Crowmarsh", "Hadlow Cross", "Wrenfield", "Sedgebrook"),
        ("A2070", "A21", "B2160", "M20"),
        ("Penhurst Crown Court", "Oakleigh Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Marine Unit", "Marine", "Marine")),
        0.6, "social.wealdshire.police.uk", 0.5,
    ),
    ForceSpec(
        "Eastmarch Constabulary", "EMC", "EastmarchCops", "eastmarch.police.uk",
        ("Harwick", "Saltmarsh", "Fenby", "Coldwater", "St Ives Quay", "Norbrook", "Leyburn Fen", "Wexcombe"),
        ("A140", "A1067", "A47", "B1150"),
        ("Harwick Crown Court", "Norbrook Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Rural Crime Team", "Rural", "Rural Crime")),
        0.7,
    ),
    ForceSpec(
        "Dunmore Valley Police", "DVP", "DunmoreValleyPol", "dunmorevalley.police.uk",
        ("Caerwen", "Abertawel", "Llanfair Isaf", "Pontdu", "Glynmawr", "Treforys", "Nantlle Vale"),
        ("A470", "A4059", "M4", "A465"),
        ("Caerwen Crown Court", "Pontdu Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Dog Unit", "Dogs", "Police Dogs")),
        0.6,
    ),
    ForceSpec(
        "Thamesmere Police", "TMP", "ThamesmerePolice", "thamesmere.police.uk",
        ("Thamesmere", "Riverside", "Kingsmead", "Orchard Park", "Hatchford", "Bramley Cross", "Eelbrook"),
        ("A4", "M25", "A308", "A30"),
        ("Thamesmere Crown Court", "Kingsmead Magistrates' Court"),
        (("Roads Policing Unit", "Roads", "Roads Policing"), ("Marine Unit", "Marine", "Marine")),
        0.9,
    ),
)

OFFICER_SURNAMES = (
    "Hollis", "Okafor", "Whitlock", "Brennan", "Kaur", "Ashworth", "Marsh", "Adeyemi", "Sutcliffe", "Doyle",
    "Rahman", "Pritchard", "Lowe", "Chaudhry", "Fairbairn", "Mensah", "Tierney", "Holroyd", "Nwosu", "Garside",
    "Penrose", "Quayle", "Ellery", "Bhatti", "Corrigan", "Danvers", "Oduya", "Threlfall",
)
OFFICER_RANKS = (("PC", "PC"), ("PCSO", "PCSO"), ("Sgt", "Sergeant"), ("Insp", "Inspector"), ("PC", "PC"),
                 ("ChInsp", "Chief Inspector"))

FIRST_NAMES = (
    "Sarah", "Dave", "Priya", "Tom", "Aisha", "Gemma", "Kev", "Jo", "Callum", "Fatima", "Liam", "Chloe", "Mo",
    "Becky", "Gaz", "Sian", "Owen", "Hannah", "Imran", "Zoe", "Ryan", "Leanne", "Jas", "Nina", "Craig", "Amy",
    "Dan", "Shaz", "Kirsty", "Tariq", "Ellie", "Jamie", "Lauren", "Marcus", "Nadia", "Paul", "Rach", "Sam",
    "Tasha", "Wes", "Yusuf", "Bex", "Carl", "Dee", "Emma", "Fran", "Grace", "Harj", "Ian", "Jade", "Karl", "Lisa",
    "Matt", "Nat", "Ollie", "Pete", "Rosie", "Sunil", "Tony", "Vicky", "Abdul", "Bethan", "Connor", "Daisy",
    "Ed", "Farah", "Gareth", "Holly", "Isaac", "Jen", "Kwame", "Lily", "Mia", "Neil", "Orla", "Raj", "Stacey",
    "Theo", "Una", "Zainab",
)
SURNAMES = (
    "Abbott", "Bailey", "Carter", "Dixon", "Ellis", "Fletcher", "Gill", "Hughes", "Iqbal", "Jenkins", "Khan",
    "Lloyd", "Morgan", "Nolan", "Owusu", "Patel", "Quinn", "Reid", "Shaw", "Turner", "Usman", "Vaughan", "Walsh",
    "Young", "Begum", "Clarke", "Hussain", "Kelly", "Murphy", "Price",
)
HANDLE_WORDS = ("mum", "dad", "fan", "runner", "cyclist", "walks", "blue", "red", "utd", "city", "xo", "official",
                "_", "x", "uk", "local", "brew", "dogs", "gardens", "fc")
CITIZEN_BIOS = (
    "Dog walker. Tea drinker. Opinions my own.", "Mum of 3 | coffee addict", "Local business owner",
    "Season ticket holder. Moaning about parking since 2009.", "Nurse. Runner. Tired.", "",
    "Retired and nosey", "Cyclist | commuter | occasional photographer", "He/him. Football, food, family.",
    "Neighbourhood Watch coordinator", "Taxi driver", "Just here for the dog pictures", "",
    "Student", "Allotment enthusiast", "Proud grandad", "Parish councillor (views my own)", "",
)
MASTODON_INSTANCES = ("mastodon.social", "mastodon.online", "mas.to", "social.coop", "toot.wales", "mstdn.social",
                      "fosstodon.org", "mastodon.green", "masto.ai", "hachyderm.io")


def _mix(x: int) -> int:
    """A 64-bit integer hash (splitmix64 finaliser): citizen attributes come from it."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


@dataclass(eq=False)
class Actor:
    """An account on X and possibly Mastodon. Police accounts carry a registry entry; citizens do not."""

    index: int
    x_id: str
    handle: str
    name: str
    followers: int
    following: int
    created_at: str
    description: str
    location: str
    force: ForceSpec | None = None
    account_type: str | None = None  # None for citizens
    unit: str | None = None
    first_name: str | None = None
    initials: str | None = None
    home: str | None = None
    mastodon_id: str | None = None
    mastodon_acct: str | None = None
    mastodon_url: str | None = None
    tweet_count: int = 0
    surname: str | None = None

    @property
    def is_police(self) -> bool:
        return self.account_type is not None

    def handle_on(self, platform: str) -> str:
        if platform == "mastodon":
            return self.mastodon_acct or self.handle
        return self.handle


class World:
    """Forces, police accounts and the citizen population for one seed."""

    def __init__(self, rng: random.Random, *, forces: int, citizens: int, start: datetime, mastodon: bool):
        if not 1 <= forces <= len(FORCES):
            raise ValueError(f"forces must be between 1 and {len(FORCES)}")
        self.seed_bits = rng.getrandbits(48)
        self.forces = list(FORCES[:forces])
        self.mastodon = mastodon
        self.citizens_per_force = max(50, citizens // forces)
        self.police: list[Actor] = []
        self.by_force: dict[str, dict[str, list[Actor]]] = {}
        self.corporate: dict[str, Actor] = {}
        self._stems = self._handle_stems(rng)
        start_year = start.year
        for fi, spec in enumerate(self.forces):
            self.by_force[spec.name] = {"force_corporate": [], "team": [], "unit": [], "officer": []}
            self._add_police(fi, spec, rng, start_year)
        self.citizen = lru_cache(maxsize=65_536)(self._citizen)

    # ---- police ---------------------------------------------------------------------------
    def _add_police(self, fi: int, spec: ForceSpec, rng: random.Random, year: int) -> None:
        on_mastodon = self.mastodon and spec.mastodon_instance is not None
        corporate = self._police(fi, spec, "force_corporate", None, spec.handle, spec.name,
                                 int(rng.lognormvariate(12.0, 0.4)), rng,
                                 f"Official account of {spec.name}. Not monitored 24/7. In an emergency call 999; "
                                 f"to report a crime visit {spec.domain} or call 101.", year, on_mastodon)
        self.corporate[spec.name] = corporate
        for place in spec.places[1:6]:
            tag = place.split()[0].split("-")[0][:10]
            self._police(fi, spec, "team", f"{place} Neighbourhood Team", f"{spec.short}{tag}",
                         f"{place} Police", int(rng.lognormvariate(8.6, 0.5)), rng,
                         f"Your {place} Neighbourhood Policing Team, {spec.name}. Not monitored 24/7: "
                         "call 999 in an emergency or 101 otherwise.", year, on_mastodon and rng.random() < 0.5,
                         home=place)
        for unit, suffix, display in spec.units:
            self._police(fi, spec, "unit", unit, f"{spec.short}{suffix}", f"{spec.short} {display}",
                         int(rng.lognormvariate(9.8, 0.5)), rng,
                         f"{spec.name} {unit}. Not monitored 24/7.", year, False)
        teams = self.by_force[spec.name]["team"]
        surnames = rng.sample(OFFICER_SURNAMES, 6)
        for k, surname in enumerate(surnames):
            rank, rank_long = OFFICER_RANKS[k % len(OFFICER_RANKS)]
            team = teams[k % len(teams)]
            self._police(fi, spec, "officer", team.unit, f"{rank}{surname}"[:12] + spec.short,
                         f"{rank_long} {surname}", int(rng.lognormvariate(7.3, 0.7)), rng,
                         f"{rank_long} on the {team.unit}, {spec.name}. Account not monitored 24/7.", year,
                         on_mastodon and k < 2, home=team.home, surname=surname)

    def _police(self, fi: int, spec: ForceSpec, account_type: str, unit: str | None, handle: str, name: str,
                followers: int, rng: random.Random, bio: str, year: int, on_mastodon: bool, *,
                home: str | None = None, surname: str | None = None) -> Actor:
        index = len(self.police)
        created = datetime(rng.randint(2009, year - 2), rng.randint(1, 12), rng.randint(1, 28),
                           rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59))
        actor = Actor(
            index=index, x_id=str(rng.randint(15_000_000, 3_999_999_999)), handle=handle, name=name,
            followers=followers, following=rng.randint(150, 2500), created_at=_iso_ms(created), description=bio,
            location=spec.places[0] if home is None else f"{home}, {spec.name.replace(' Police', '')}",
            force=spec, account_type=account_type, unit=unit, home=home or spec.places[0],
            tweet_count=rng.randint(2_000, 60_000), surname=surname,
            initials="".join(rng.choice("ABCDEGHJKLMNPRSTW") for _ in range(2)),
        )
        if on_mastodon and spec.mastodon_instance:
            ms = int(created.replace(tzinfo=UTC).timestamp() * 1000) if created.year >= 2022 else 1_667_000_000_000
            actor.mastodon_id = str((ms + index * 7919) << 16 | rng.getrandbits(16))
            actor.mastodon_acct = handle.lower()
            actor.mastodon_url = f"https://{spec.mastodon_instance}/@{actor.mastodon_acct}"
        self.police.append(actor)
        self.by_force[spec.name][account_type].append(actor)
        return actor

    # ---- citizens -------------------------------------------------------------------------
    def _handle_stems(self, rng: random.Random) -> list[tuple[str, str]]:
        """(handle stem, the first name in it): a citizen's display name agrees with its handle."""
        stems: dict[str, str] = {}
        for first in FIRST_NAMES:
            low = first.lower()
            for surname in SURNAMES[:12]:
                stems[f"{low}{surname[0].lower()}"] = first
                stems[f"{first}{surname}"[:11]] = first
            for word in HANDLE_WORDS:
                stems[f"{low}{word}"[:11]] = first
                stems[f"{word}{first}"[:11].lstrip("_")] = first
        ordered = sorted(stems.items())
        rng.shuffle(ordered)
        return ordered

    def _citizen(self, index: int) -> Actor:
        """Citizen `index`, derived by hashing so no citizen needs to be stored."""
        h = _mix(index ^ self.seed_bits)
        stems = self._stems
        stem, first = stems[index % len(stems)]
        serial = index // len(stems)
        handle = stem + (str(serial) if serial else "")
        style = (h >> 8) % 10
        if style < 4:
            name = f"{first} {SURNAMES[(h >> 12) % len(SURNAMES)][0]}"
        elif style < 6:
            name = f"{first} {SURNAMES[(h >> 12) % len(SURNAMES)]}"
        elif style < 8:
            name = first
        else:
            name = ("🏴 " if style == 8 else "") + handle.replace("_", " ").strip()
            first = None
        followers = int(12 * (1.0 + ((h >> 20) % 1000) / 10.0) ** 1.6)
        year = 2008 + (h >> 32) % 17
        fi = min(index // self.citizens_per_force, len(self.forces) - 1)
        spec = self.forces[fi]
        place = spec.places[(h >> 40) % len(spec.places)]
        if index % 3 == 0:
            x_id = str(100_000_000 + index * 13 + (h & 7))
        else:
            x_id = str(1_100_000_000_000_000_000 + index * 9_973_000_011 + (h & 0xFFFF))
        actor = Actor(
            index=index, x_id=x_id, handle=handle, name=name, followers=followers,
            following=int(followers * (0.5 + ((h >> 24) % 100) / 40)),
            created_at=f"{year}-{1 + (h >> 44) % 12:02d}-{1 + (h >> 48) % 28:02d}T{(h >> 52) % 24:02d}:"
                       f"{(h >> 16) % 60:02d}:{(h >> 36) % 60:02d}.000Z",
            description=CITIZEN_BIOS[(h >> 28) % len(CITIZEN_BIOS)],
            location=place if (h >> 56) % 3 else "", first_name=first, home=place,
            tweet_count=followers * (3 + (h >> 5) % 40),
        )
        if self.mastodon:
            instance = MASTODON_INSTANCES[(h >> 6) % len(MASTODON_INSTANCES)]
            actor.mastodon_id = str(109_300_000_000_000_000 + index * 65_537 + (h & 0xFFFF))
            actor.mastodon_acct = f"{handle.lower()}@{instance}"
            actor.mastodon_url = f"https://{instance}/@{handle.lower()}"
        return actor

    def citizen_index(self, force_index: int, u: float) -> int:
        """A citizen of the force's area; a few citizens are very active (skewed by u**3)."""
        return force_index * self.citizens_per_force + int(self.citizens_per_force * u * u * u)


class Clock:
    """Fast UTC epoch-second → ISO string and London local-time helpers (per-day cache)."""

    def __init__(self) -> None:
        self._days: dict[int, tuple[str, int, int]] = {}
        self._hours: dict[int, str] = {}

    def _day(self, day: int) -> tuple[str, int, int]:
        info = self._days.get(day)
        if info is None:
            noon = datetime.fromtimestamp(day * 86400 + 43200, UTC)
            offset = int(noon.astimezone(LONDON).utcoffset().total_seconds())  # type: ignore[union-attr]
            info = (noon.strftime("%Y-%m-%d"), offset, noon.weekday())
            self._days[day] = info
        return info

    def iso(self, t: int) -> str:
        hour, rest = divmod(t, 3600)
        prefix = self._hours.get(hour)
        if prefix is None:
            prefix = self._hours[hour] = f"{self._day(t // 86400)[0]}T{hour % 24:02d}:"
        minutes, seconds = divmod(rest, 60)
        return f"{prefix}{minutes:02d}:{seconds:02d}.000Z"

    def offset(self, t: int) -> int:
        return self._day(t // 86400)[1]

    def local(self, t: int) -> tuple[int, int]:
        """(weekday, hour) in London time."""
        local = t + self._day(t // 86400)[1]
        return self._day(local // 86400)[2], (local % 86400) // 3600


def _iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def snowflake(t: int, serial: int) -> str:
    """An X id for a post created at epoch second t: ids sort by time like real ones."""
    ms = t * 1000 + (serial * 7919) % 1000
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (serial & 0x3FFFFF))


def mastodon_id(t: int, serial: int) -> str:
    """A Mastodon status id: milliseconds since the epoch shifted by 16 bits, as Mastodon does."""
    ms = t * 1000 + (serial * 7919) % 1000
    return str((ms << 16) | (serial & 0xFFFF))
