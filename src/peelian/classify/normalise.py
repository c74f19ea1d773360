"""Social-media text normalisation, shared by training and prediction.

Every classifier in Peelian sees text only through `normalise`, so a model is applied to text
prepared exactly as its training text was. The rules, in order:

1. `None` becomes the empty string (reposts and media-only posts have no text).
2. HTML entities are decoded (`&amp;` → `&`): platform exports often carry them.
3. Unicode NFKC folds styled letters (𝗯𝗼𝗹𝗱, ｆｕｌｌ-width) into plain ones.
4. URLs become `<url>` and e-mail addresses `<email>`: the address itself carries no meaning
   for coding, and one token per kind keeps the vocabulary small.
5. @handles become `@user`: the handle identifies a person, not a code, and citizens' handles
   are pseudonymised anyway. That a post addresses someone is kept.
6. Hashtags are kept as one token and split into their words when written in CamelCase or
   with underscores: `#KnifeCrime` → `#knifecrime knife crime`.
7. Emoji become their Unicode names, `🚓` → `:police_car:`; skin-tone modifiers, variation
   selectors and zero-width joiners are dropped.
8. Lower case; a character repeated more than three times is cut to three (`sooooo` → `sooo`).
9. Tokens (words, the special tokens above, single punctuation marks) are joined by single
   spaces, so `Help!!` → `help ! ! !`. BERT-style tokenisers split punctuation the same way,
   so the sentence-embedding model sees the same word pieces as it would on the raw text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

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
_TOKEN = re.compile(r"<url>|<email>|@user|#\w+|:[a-z0-9_]+:|\w+(?:'\w+)*|[^\w\s]")


def _hashtag(match: re.Match[str]) -> str:
    body = match.group(1)
    parts = [p.lower() for p in _CAMEL.findall(body.replace("_", " "))] if (
        "_" in body or not (body.islower() or body.isupper())) else []
    tag = "#" + body.lower().replace("_", "")
    return " " + " ".join([tag, *parts] if len(parts) > 1 else [tag]) + " "


def _emoji(match: re.Match[str]) -> str:
    name = unicodedata.name(match.group(0), "")
    if not name:
        return " "
    return " :" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ": "


def normalise(text: str | None) -> str:
    """One post's text, prepared for the classifiers (rules in the module docstring)."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = _EMOJI_NOISE.sub("", text)
        text = _EMOJI.sub(_emoji, text)
    if "http" in text or "www." in text or "HTTP" in text or "WWW." in text:
        text = _URL.sub(" <url> ", text)
    if "@" in text:
        if _EMAIL_HINT.search(text):
            text = _EMAIL.sub(" <email> ", text)
        text = _HANDLE.sub(" @user ", text)
    if "#" in text:
        text = _HASHTAG.sub(_hashtag, text)
    text = _REPEAT.sub(r"\1\1\1", text.lower())
    return " ".join(_TOKEN.findall(text))


def normalise_all(texts: Iterable[str | None]) -> list[str]:
    """`normalise` over many texts."""
    return [normalise(t) for t in texts]
