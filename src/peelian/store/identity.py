"""Decide how an account is stored: police/partner/media accounts from the registry keep
their real ids and handles; everyone else is a citizen and, when the project says so,
is stored only under keyed pseudonyms (display names dropped, @handles in text replaced).

Accounts also hide inside other values, and a pseudonym is only as good as the weakest of
them: links to profiles in text (`x.com/<handle>`, `mastodon.social/@<user>`), post ids that
embed their author (Bluesky `at://<did>/…`, Facebook `<owner id>_<post id>`, ActivityPub
status URIs) and post links (`https://mastodon.green/@<user>/<id>`). The resolver rewrites
all of them where records are staged (`post_ref`, `post_url`, `pseudonymise_text`,
`scrub_detail`), so that no importer has to remember to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from peelian.store.privacy import Pseudonymiser, is_pseudonym, normalise_handle
from peelian.store.project import Project
from peelian.store.schema import role_for_account_type

# An @handle not preceded by a word character (so e-mail addresses are left alone);
# Mastodon-style @user@instance handles are taken whole. The pattern starts with the literal "@"
# (the look-behind follows it) so that the regex engine can skip to each "@": three times faster.
MENTION_RE = re.compile(r"@(?<![\w@/]@)([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
MENTION_CACHE = 100_000  # @handles whose replacement is remembered (bounds memory on huge imports)

# First path segments of these sites that are pages of the site, not accounts.
_RESERVED = frozenset({
    "i", "home", "search", "hashtag", "intent", "share", "sharer", "sharer.php", "explore", "notifications",
    "messages", "settings", "login", "logout", "signup", "tos", "privacy", "compose", "status", "statuses",
    "p", "reel", "reels", "tv", "stories", "accounts", "groups", "events", "pages", "watch", "photo", "photos",
    "photo.php", "story.php", "permalink.php", "profile.php", "help", "policies", "ads", "business",
    "marketplace", "gaming", "live", "media", "notes", "people", "public", "video", "videos", "l.php", "about",
    "legal", "direct", "web", "tags", "tag", "lists", "communities", "jobs", "download", "feed",
})
# Links to accounts: each alternative's "name" group is the account part (a handle, or a DID on Bluesky).
PROFILE_RE = re.compile(
    r"(?P<tw>(?<![\w.-])(?:https?://)?(?:(?:www|mobile)\.)?(?:twitter|x)\.com/)(?P<tw_name>\w{1,15})(?!\w)"
    r"|(?P<bs>(?<![\w.-])(?:https?://)?bsky\.app/profile/)(?P<bs_name>[\w:.-]*\w)"
    r"|(?P<fb>(?<![\w.-])(?:https?://)?(?:(?:www|m|mobile|web)\.)?(?P<fb_site>facebook|instagram)\.com/"
    r"(?:profile\.php\?id=)?)(?P<fb_name>\w(?:[\w.]*\w)?)"
    r"|(?P<at>(?<![\w.-])(?:https?://)?(?P<at_host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/(?:@|(?:ap/)?users/))"
    r"(?P<at_name>\w(?:[\w.-]*\w)?)",
    re.IGNORECASE,
)
# A superset of the texts PROFILE_RE can change, cheap to test (also in SQL, by the bulk reader):
# every "/@" link also has an "@", which the caller tests anyway.
PROFILE_HINT = r"(?i)(twitter\.com|x\.com|bsky\.app|facebook\.com|instagram\.com|/users/)"
_PROFILE_HINT_RE = re.compile(PROFILE_HINT)
# The texts `pseudonymise_text` runs PROFILE_RE over, or more, as an RE2 pattern (DuckDB's regular
# expressions): RE2 folds case as Python does, except that Python's IGNORECASE also takes the dotted
# and the dotless i for an "i".
PROFILE_PASS_SQL = PROFILE_HINT[:-1] + "|/@|[\u0130\u0131])"
_LINK_PLATFORMS = {"youtube.com": "youtube", "www.youtube.com": "youtube", "m.youtube.com": "youtube",
                   "tiktok.com": "tiktok", "www.tiktok.com": "tiktok", "threads.net": "threads",
                   "www.threads.net": "threads"}
_OWNER_POST_RE = re.compile(r"^(\d+)_(\d+)$")  # Facebook "<owner id>_<post id>", Instagram "<media>_<owner>"
# Post links that name no account, by platform: they are kept for citizens (built from the post id).
ID_ONLY_URLS = {"twitter": "https://x.com/i/web/status/{}"}


# Importer options that name an account, and which part of an identity each is: an X archive's
# `handle`, `account_id` and `display_name` (`--option`), a download-your-information archive's
# `account` (`--account`), a CrowdTangle post history's `page_id`.
OPTION_IDENTITY = {"account_id": "id", "page_id": "id", "handle": "handle", "account": "handle",
                   "display_name": "name"}


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    force: str
    account_type: str
    unit: str | None

    @property
    def role(self) -> str:
        return role_for_account_type(self.account_type)


@dataclass(frozen=True, slots=True)
class Identity:
    account_id: str | None
    handle: str | None
    display_name: str | None
    pseudonymised: bool
    role: str = "citizen"
    force: str | None = None
    account_type: str | None = None
    unit: str | None = None


CITIZEN = RegistryEntry(force="", account_type="", unit=None)


class IdentityResolver:
    def __init__(self, by_id: dict[tuple[str, str], RegistryEntry], by_handle: dict[tuple[str, str], RegistryEntry],
                 pseudonymiser: Pseudonymiser | None):
        self.by_id = by_id
        self.by_handle = by_handle
        self.pseudonymiser = pseudonymiser
        self.pseudonymise = pseudonymiser is not None
        self.resolve = lru_cache(maxsize=200_000)(self._resolve)
        self._mentions: dict[str, dict[str, str]] = {}  # platform -> handle as written -> "@" replacement

    @classmethod
    def for_project(cls, project: Project) -> IdentityResolver:
        by_id: dict[tuple[str, str], RegistryEntry] = {}
        by_handle: dict[tuple[str, str], RegistryEntry] = {}
        for platform, handle, account_id, force, account_type, unit in project.con.execute(
            "SELECT platform, handle, account_id, force, account_type, unit FROM registry"
        ).fetchall():
            entry = RegistryEntry(force, account_type, unit)
            if account_id:
                by_id[(platform, account_id)] = entry
            if handle:
                by_handle[(platform, normalise_handle(handle))] = entry
        pseudonymiser = project.pseudonymiser if project.pseudonymise_citizens else None
        return cls(by_id, by_handle, pseudonymiser)

    def lookup(self, platform: str, account_id: str | None, handle: str | None) -> RegistryEntry | None:
        if account_id and (entry := self.by_id.get((platform, account_id))):
            return entry
        if handle and (entry := self.by_handle.get((platform, normalise_handle(handle)))):
            return entry
        return None

    def _resolve(self, platform: str, account_id: str | None, handle: str | None, name: str | None) -> Identity:
        if account_id is None and handle:
            account_id = "@" + normalise_handle(handle)
        entry = self.lookup(platform, account_id, handle)
        if entry is not None:
            return Identity(account_id, handle, name, False, entry.role, entry.force, entry.account_type, entry.unit)
        if self.pseudonymiser is None or (account_id is None and handle is None):
            return Identity(account_id, handle, name, False)
        if is_pseudonym(account_id):
            return Identity(account_id, handle, None, True)
        pseudo = self.pseudonymiser
        return Identity(
            pseudo.account_id(platform, account_id) if account_id else None,
            pseudo.handle(platform, handle) if handle else None,
            None,
            True,
        )

    def account_id(self, platform: str, account_id: str | None, handle: str | None) -> str | None:
        return self.resolve(platform, account_id, handle, None).account_id

    def _pseudonymise_mentions(self, platform: str, text: str) -> str:
        """Replace @handles of citizens in post text by their pseudonyms; police handles stay.

        Split on the pattern (its one group is the handle) and rebuild: a dict lookup per handle
        instead of a Python callback per match, twice as fast on a chunk's texts joined in one."""
        parts = MENTION_RE.split(text)
        if len(parts) == 1:
            return text
        mentions = self._mentions.setdefault(platform, {})
        replaced = []
        for handle in parts[1::2]:
            replacement = mentions.get(handle)
            if replacement is None:
                if len(mentions) >= MENTION_CACHE:
                    mentions.clear()
                replacement = mentions[handle] = self._mention(platform, handle)
            replaced.append(replacement)
        parts[1::2] = replaced
        return "".join(parts)

    def _mention(self, platform: str, handle: str) -> str:
        if (platform, normalise_handle(handle)) in self.by_handle:
            return "@" + handle
        assert self.pseudonymiser is not None
        return "@" + self.pseudonymiser.handle(platform, handle)

    @staticmethod
    def text_needs_pass(text: str) -> bool:
        """Whether `pseudonymise_text` may change the text (the bulk reader's SQL asks the same)."""
        return "@" in text or _PROFILE_HINT_RE.search(text) is not None

    def pseudonymise_mentions(self, platform: str, text: str) -> str:
        """`pseudonymise_text` for a text that holds no link to a profile (`PROFILE_PASS_SQL` says none)."""
        return self._pseudonymise_mentions(platform, text) if "@" in text else text

    def pseudonymise_text(self, platform: str, text: str) -> str:
        """Citizens' @handles and links to citizens' profiles in post text become pseudonyms; police stay."""
        if _PROFILE_HINT_RE.search(text) or "/@" in text:
            text = PROFILE_RE.sub(self._profile_link, text)
        if "@" in text:
            text = self._pseudonymise_mentions(platform, text)
        return text

    def _profile_link(self, match: re.Match[str], *, keep_police: bool = True) -> str:
        prefix_group = next(g for g in ("tw", "bs", "fb", "at") if match.group(g) is not None)
        prefix, name = match.group(prefix_group), match.group(prefix_group + "_name")
        if is_pseudonym(name):
            return match.group(0)
        if prefix_group == "tw":
            platform, handles = "twitter", [name]
        elif prefix_group == "bs":
            platform, handles = "bluesky", [name]
        elif prefix_group == "fb":
            platform, handles = match.group("fb_site").lower(), [name]
        else:
            host = match.group("at_host").lower()
            platform = _LINK_PLATFORMS.get(host, "mastodon")
            handles = [name, f"{name}@{host}"] if platform == "mastodon" else [name]
        if prefix_group in ("tw", "fb") and name.lower() in _RESERVED:
            return match.group(0)
        if keep_police and any((platform, normalise_handle(h)) in self.by_handle for h in handles):
            return match.group(0)
        assert self.pseudonymiser is not None
        if name.lower().startswith("did:") or (prefix_group == "fb" and name.isdigit()):
            return prefix + self.pseudonymiser.account_id(platform, name)
        return prefix + self.pseudonymiser.handle(platform, handles[-1])

    def post_ref(self, platform: str, ref: str | None) -> str | None:
        """A post id (or a reply, quote, repost or conversation reference) with the account it embeds
        replaced by that account's pseudonym: Bluesky `at://<did>/…` and `repost:<did>:<uri>`, Facebook
        `<owner id>_<post id>`, ActivityPub status URIs. Done for every account, police too, so that
        references always meet the ids they point at, and post ids never change when the registry does."""
        if self.pseudonymiser is None or ref is None or ref.__class__ is not str or ref.isdigit():
            return ref
        pseudo = self.pseudonymiser
        if ref.startswith("at://"):
            did, sep, rest = ref[5:].partition("/")
            return "at://" + (did if is_pseudonym(did) else pseudo.account_id(platform, did)) + sep + rest
        if ref.startswith("repost:did:"):
            did, _, target = ref[7:].rpartition(":at://")
            if did and target:
                return f"repost:{pseudo.account_id(platform, did)}:{self.post_ref(platform, 'at://' + target)}"
        if (match := _OWNER_POST_RE.match(ref)) and platform in ("facebook", "instagram"):
            if platform == "facebook":  # <owner id>_<post id>
                return f"{pseudo.account_id(platform, match.group(1))}_{match.group(2)}"
            return f"{match.group(1)}_{pseudo.account_id(platform, match.group(2))}"  # <media id>_<owner id>
        if "/" in ref:
            return PROFILE_RE.sub(lambda m: self._profile_link(m, keep_police=False), ref)
        return ref

    def post_url(self, platform: str, post_id: str, url: str | None, account_id: str | None,
                 handle: str | None) -> str | None:
        """The link kept for a citizen's post: an id-only link where the platform has one (X), else the
        link as given when it names no account, else none (Mastodon, Bluesky and Facebook profile links)."""
        if url is None:
            return None
        if platform in ID_ONLY_URLS and post_id.isdigit():
            return ID_ONLY_URLS[platform].format(post_id)
        lowered = url.lower()
        tokens = [normalise_handle(handle)] if handle else []
        if tokens and "@" in tokens[0]:
            tokens.append(tokens[0].split("@", 1)[0])
        if account_id:
            tokens.append(account_id.lower())
        if any(token and re.search(r"(?<![\w])" + re.escape(token) + r"(?![\w])", lowered) for token in tokens):
            return None
        if PROFILE_RE.search(url) and PROFILE_RE.sub(lambda m: self._profile_link(m, keep_police=False), url) != url:
            return None
        return url

    def scrub_detail(self, platform: str, value: object) -> object:
        """A notice's detail with account references in its strings rewritten (post refs and text)."""
        if isinstance(value, str):
            return self.pseudonymise_text(platform, self.post_ref(platform, value) or value)
        if isinstance(value, dict):
            return {k: self.scrub_detail(platform, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_detail(platform, v) for v in value]
        return value


def stored_options(project: Project, platforms: Sequence[str], options: dict[str, Any]) -> dict[str, Any]:
    """Importer options as the project keeps them (the imports table): the account they name is stored
    like every other identity. A registry account keeps its id and handle; a citizen's become the
    pseudonyms their posts carry (keyed by the first of `platforms`, the importer's) and the display
    name is dropped. Without pseudonymisation, or without such options, they are kept as given."""
    named = {key: str(value) for key, value in options.items() if key in OPTION_IDENTITY and value not in (None, "")}
    if not named or not project.pseudonymise_citizens:
        return options
    resolver = IdentityResolver.for_project(project)
    account_id = named.get("account_id") or named.get("page_id")
    handle = named.get("handle") or named.get("account")
    if any(resolver.lookup(platform, account_id, handle) for platform in platforms or _registry_platforms(resolver)):
        return options
    pseudo, platform = project.pseudonymiser, platforms[0] if platforms else "unknown"
    kept = {key: value for key, value in options.items() if key not in named}
    for key, value in named.items():
        kind = OPTION_IDENTITY[key]
        if kind == "id":
            kept[key] = value if is_pseudonym(value) else pseudo.account_id(platform, value)
        elif kind == "handle":
            kept[key] = value if is_pseudonym(value) else pseudo.handle(platform, value)
    return kept


def _registry_platforms(resolver: IdentityResolver) -> list[str]:
    """Every platform of the registry: where a file's format (and so its platform) is unknown."""
    return sorted({platform for platform, _ in resolver.by_id} | {platform for platform, _ in resolver.by_handle})
