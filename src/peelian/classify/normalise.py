"""Social-media text normalisation, shared by training and prediction.

Every classifier in Peelian sees text only through `normalise`, so a model is applied to text
prepared exactly as its training text was. The rules, in order:

1. `None` becomes the empty string (reposts and media-only posts have no text).
2. HTML entities are decoded, repeatedly (`&amp;amp;` → `&amp;` → `&`): re-exported timelines
   carry them escaped twice or three times.
3. A truncation mark, `…` at the very end of a post or just before its closing links (how
   platforms cut long posts and retweets), is dropped: it says nothing about the post.
4. Unicode NFKC folds styled letters (𝗯𝗼𝗹𝗱, ｆｕｌｌ-width) into plain ones; typographic
   apostrophes and quotes become ASCII ones, so `don’t` is the same word as `don't`.
   Emoji become their Unicode names, `🚓` → `:police_car:`; skin-tone modifiers, variation
   selectors and zero-width joiners are dropped.
5. A retweet or modified-tweet prefix (`RT @user:`, `MT @user:`) becomes `<rt>`: that the post
   repeats someone else's counts, the repeated account is not part of the post's own text.
6. URLs become `<url>` and e-mail addresses `<email>`: the address itself carries no meaning
   for coding, and one token per kind keeps the vocabulary small.
7. @handles become `@user`: the handle identifies a person, not a code, and citizens' handles
   are pseudonymised anyway. That a post addresses someone is kept.
8. Thread markers become `<thread>`: `[thread 1/3]`, `(2/3)`, `Thread 1/2:` anywhere; a bare
   `1/3` or `1/` at the start of a post, or after the closing full stop (`... call 101. 3/3`).
   A bare `3/4` elsewhere is left alone: it is more often a date.
9. Hashtags are kept as one token and split into their words when written in CamelCase or
   with underscores: `#KnifeCrime` → `#knifecrime knife crime`.
10. Runs of five or more digits (crime references, incident logs, phone numbers) become
    `<number>`: the number identifies a case, not a code. 101 and 999 stay words.
11. An officer's sign-off (`^CS`, `^ JB`) becomes `<signed>`: that a person signs the post
    counts (replies are signed), the initials do not.
12. Lower case; a character repeated more than three times is cut to three (`sooooo` → `sooo`).
13. Tokens (words, the special tokens above, single punctuation marks) are joined by single
    spaces, so `Help!!` → `help ! !` and line breaks disappear. BERT-style tokenisers split
    punctuation the same way, so the sentence-embedding model sees the same word pieces as it
    would on the raw text.

Normalising normalised text changes nothing. `NORMALISE_VERSION` is stored with every model
and goes up whenever a rule changes what a text becomes.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

NORMALISE_VERSION = 2
URL_TOKEN = "<url>"
EMAIL_TOKEN = "<email>"
USER_TOKEN = "@user"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_HINT = re.compile(r"\w@\w")
_HANDLE = re.compile(r"(?<![\w@])@\w{1,50}")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U00002B00-\U00002BFF\U00002300-\U000023FF"
    "\U0001F1E6-\U0001F1FF]"
)
_EMOJI_NOISE = re.compile("[\U0001F3FB-\U0001F3FF\uFE0E\uFE0F\u200D\u20E3]")
_REPEAT = re.compile(r"(.)\1{3,}")
_TOKEN = re.compile(r"<(?:url|email|rt|thread|number|signed)>|@user|#\w+|:[a-z0-9_]+:|\w+(?:'\w+)*|[^\w\s]")
_MAX_UNESCAPES = 4
_TRUNCATED = re.compile(r"…(?=\s*(?:(?:https?://|www\.)\S+\s*)*$)", re.IGNORECASE)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "ʼ": "'", "′": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})
_RETWEET = re.compile(r"^\s*(?:RT|MT)\s*@\w{1,50}\s*:?", re.IGNORECASE)
_THREAD_ANYWHERE = re.compile(r"[\[(]\s*(?:thread\s*:?\s*)?(\d{1,2})\s*/\s*(\d{1,2})\s*[\])]"
                              r"|\bthread\s*:?\s*(\d{1,2})\s*/\s*(\d{1,2})\b", re.IGNORECASE)
_THREAD_START = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})?(?=\s)")
_THREAD_END = re.compile(r"(?<=[.!?])\s*(\d{1,2})\s*/\s*(\d{1,2})(?=\s*(?:<url>\s*)*$)")
_NUMBER = re.compile(r"(?<![\w#<])\d{5,}(?!\w)")
_SIGNED = re.compile(r"(?<!\w)\^\s?[A-Za-z]{1,4}\b")


def _hashtag(match: re.Match[str]) -> str:
    body = match.group(1)
    parts = [p.lower() for p in _CAMEL.findall(body.replace("_", " "))] if (
        "_" in body or not (body.islower() or body.isupper())) else []
    tag = "#" + body.lower().replace("_", "")
    return " " + " ".join([tag, *parts] if len(parts) > 1 else [tag]) + " "


def _thread(match: re.Match[str]) -> str:
    """`<thread>` for "n/m" with 1 ≤ n ≤ m (or "n/" alone); anything else is left as it was."""
    groups = [g for g in match.groups() if g is not None]
    part = int(groups[0])
    total = int(groups[1]) if len(groups) > 1 else part
    return " <thread> " if 1 <= part <= total else match.group(0)


def _emoji(match: re.Match[str]) -> str:
    name = unicodedata.name(match.group(0), "")
    if not name:
        return " "
    return " :" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ": "


def normalise(text: str | None) -> str:
    """One post's text, prepared for the classifiers (rules in the module docstring)."""
    if not text:
        return ""
    for _ in range(_MAX_UNESCAPES):
        if "&" not in text:
            break
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if not text.isascii():
        text = _TRUNCATED.sub(" ", text)
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
        text = _EMOJI_NOISE.sub("", text)
        text = _EMOJI.sub(_emoji, text)
    if "http" in text or "www." in text or "HTTP" in text or "WWW." in text:
        text = _URL.sub(" <url> ", text)
    if "@" in text:
        text = _RETWEET.sub(" <rt> ", text)
        if _EMAIL_HINT.search(text):
            text = _EMAIL.sub(" <email> ", text)
        text = _HANDLE.sub(" @user ", text)
    if "/" in text:
        text = _THREAD_ANYWHERE.sub(_thread, text)
        text = _THREAD_START.sub(_thread, text)
        text = _THREAD_END.sub(_thread, text)
    if "#" in text:
        text = _HASHTAG.sub(_hashtag, text)
    text = _NUMBER.sub(" <number> ", text)
    if "^" in text:
        text = _SIGNED.sub(" <signed> ", text)
    text = _REPEAT.sub(r"\1\1\1", text.lower())
    return " ".join(_TOKEN.findall(text))


def normalise_all(texts: Iterable[str | None]) -> list[str]:
    """`normalise` over many texts."""
    return [normalise(t) for t in texts]
