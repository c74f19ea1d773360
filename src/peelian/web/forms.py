"""Every request parameter as a pydantic model, validated at the edge, with messages that name the field.

Routes declare these (query models as `Annotated[ExplorerQuery, Query()]`, JSON bodies as
models, single values with the annotated types below), so FastAPI checks every value before
any library code runs; `validation_message` turns what pydantic found into one sentence a
person can act on, and app.py answers it with a 400 (422 for a JSON body), never a 500.
The filters reuse `peelian.metrics.params.Filters` and build `peelian.store.search.PostFilters`,
so the web accepts exactly what the library does, plus the bounds a public form needs.
"""

from __future__ import annotations

import dataclasses
import reprlib
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationInfo, field_validator, \
    model_validator

from peelian.coding.codings import STATUSES
from peelian.errors import MetricsError
from peelian.metrics.params import FIRST_DATE, LAST_DATE, PERIODS, Filters, check_time_zone, parse_duration
from peelian.network.orgdata import LAYERS
from peelian.store.schema import ACCOUNT_TYPES, POST_KINDS
from peelian.store.search import ROLES, SORTS, PostFilters

MAX_TEXT = 500  # a search, a name or an id: longer is not something a person typed
MAX_NAME = 200
MAX_PAGE = 10_000_000
_WHERE = ("query", "path", "body", "header", "cookie")


def plain_text(value: str | None, name: str = "the value") -> str | None:
    """Blank means absent; control characters (NUL, vertical tab, CR/LF...) are never typed by a person."""
    if value is None or not value.strip():
        return None
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError(f"{name} must not contain control characters (got {reprlib.repr(value)})")
    return value


def _plain_field(value: Any, info: ValidationInfo) -> Any:
    return plain_text(value, str(info.field_name)) if isinstance(value, str) else value


def _required_text(value: str) -> str:
    text = plain_text(value)
    if text is None:
        raise ValueError("is required")
    return text


def _duration_text(value: str, name: str) -> str:
    """A duration as typed (`parse_duration`'s forms), kept as text; a bad one is an error naming the field."""
    try:
        parse_duration(value)
    except MetricsError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return value


# A single text parameter (a path segment, an id, a sample name): bounded, printable, blank is absent.
OptionalText = Annotated[str | None, Field(max_length=MAX_NAME), AfterValidator(plain_text)]
RequiredText = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_required_text)]


class QueryModel(BaseModel):
    """Base of the query-string models: blank fields count as absent, text is bounded and printable."""

    model_config = ConfigDict(frozen=True, str_max_length=MAX_TEXT)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        return _plain_field(value, info)


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=MAX_PAGE)


class FilterQuery(QueryModel, Filters):
    """The figures' filters (force, account type, account, platform, dates) from a query string."""

    account_type: Literal[(*ACCOUNT_TYPES, "citizen")] | None = None  # type: ignore[valid-type]

    def filters(self) -> Filters:
        """The plain Filters (without the page's other fields, which must not enter cache keys)."""
        return Filters(**{name: getattr(self, name) for name in Filters.model_fields})


class PostFilterQuery(FilterQuery):
    """The explorer's post filters: the figures' ones plus kind, role, codes, confidence and clock."""

    kind: Literal[POST_KINDS] | None = None  # type: ignore[valid-type]
    role: Literal[ROLES] | None = None  # type: ignore[valid-type]
    code: str | None = None
    prediction: str | None = None
    min_confidence: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    max_confidence: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    conversation_id: str | None = Field(None, max_length=MAX_NAME)
    hour: int | None = Field(None, ge=0, le=23)
    weekday: int | None = Field(None, ge=1, le=7)
    time_zone: str | None = None

    @field_validator("code", "prediction")
    @classmethod
    def _dimension_code(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not all(part.strip() for part in value.partition(":")[::2]):
            raise ValueError(f"{info.field_name} must be dimension:code, e.g. topic:appeal "
                             f"(got {reprlib.repr(value)})")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_time_zone(value)

    def post_filters(self) -> PostFilters:
        return PostFilters(**{f.name: getattr(self, f.name) for f in dataclasses.fields(PostFilters)
                              if f.name in type(self).model_fields})


class ExplorerQuery(PostFilterQuery, PageQuery):
    """The explorer and its CSV export: filters, the text search, the sort, the page, a figure's posts."""

    q: str | None = None
    sort: Literal[tuple(SORTS)] = "newest"  # type: ignore[valid-type]
    metric: str | None = Field(None, max_length=100)


class DashboardQuery(FilterQuery):
    period: Literal[PERIODS] = "month"  # type: ignore[valid-type]


class UnansweredQuery(FilterQuery, PageQuery):
    older_than: str | None = None
    show_handled: bool = False

    @field_validator("older_than")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        return value if value is None else _duration_text(value, "older_than")


class InboxQuery(FilterQuery, PageQuery):
    """The triage inbox: the figures' filters, how far back (a duration or 'all'), handled posts shown or not."""

    since: str = "7d"
    show_handled: bool = False

    @field_validator("since")
    @classmethod
    def _since(cls, value: str) -> str:
        return value if value.strip().lower() == "all" else _duration_text(value, "since")


class HandledForm(BaseModel):
    """Why a post leaves the inbox without a reply on the platform: the outcome and, always, a reason."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["handled_elsewhere", "no_response_needed"] = "handled_elsewhere"
    reason: Annotated[str, Field(max_length=2000), AfterValidator(_required_text)]


class NoteForm(BaseModel):
    """The Unanswered page's mark: an optional note on how the post was handled, plain text like the Inbox's reason."""

    model_config = ConfigDict(frozen=True)

    note: Annotated[str | None, Field(max_length=2000), AfterValidator(plain_text)] = None


class ReportQuery(QueryModel):
    """A monthly force report: a force of the registry (checked when the report is built) and YYYY-MM."""

    force: str = Field(min_length=1, max_length=MAX_NAME)
    month: str

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        year, dash, month = value.partition("-")
        if not (len(value) == 7 and dash and year.isascii() and year.isdigit() and month.isascii()
                and month.isdigit() and 1 <= int(month) <= 12
                and FIRST_DATE.year <= int(year) <= LAST_DATE.year):
            raise ValueError(f"month must look like 2025-05, a month from {FIRST_DATE.year} to {LAST_DATE.year} "
                             f"(got {reprlib.repr(value)})")
        return value


class SaveRequest(BaseModel):
    """What the coding page saves for one post: strict JSON types, so `{"mode": 5}` is refused by name."""

    model_config = ConfigDict(strict=True, frozen=True)

    platform: Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
    post_id: Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
    decisions: dict[Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)],
                    list[Annotated[StrictStr, Field(max_length=MAX_NAME)]]]
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    note: Annotated[StrictStr, Field(max_length=2000)] | None = None
    sample: Annotated[StrictStr, Field(max_length=MAX_NAME)] | None = None


class UndoRequest(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)

    sample: Annotated[StrictStr, Field(max_length=MAX_NAME)] | None = None


def validation_message(errors: Sequence[Any]) -> str:
    """Pydantic's errors as one sentence: 'hour must be less than or equal to 23 (got '99')'."""
    parts = []
    for error in list(errors)[:5]:
        loc = [str(p) for p in error.get("loc", ())]
        name = ".".join(loc[1:] if loc and loc[0] in _WHERE else loc)
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        message = message.replace("Input should be", "must be").replace("Input should", "must")
        if error.get("type") == "json_invalid":
            name, message = "", "the request body is not valid JSON"
        elif not name and loc[:1] == ["body"]:
            name = "the request body"
        if error.get("type") == "missing":
            message = "is required"
        elif error.get("type") != "value_error" and "input" in error and not isinstance(error["input"], dict | list):
            message += f" (got {reprlib.repr(error['input'])})"
        if not name or message.startswith(name):
            parts.append(message)
        elif message.startswith(("must", "is ")):
            parts.append(f"{name} {message}")
        else:
            parts.append(f"{name}: {message}")
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "") if parts else "the request is not valid"


def _period(value: str | None) -> str | None:
    """A quarter, month or year the assessment layer reads (2025-Q2, 2025-06, 2025)."""
    if value is None:
        return None
    from peelian.assess.measures import parse_period
    from peelian.errors import AssessmentError

    try:
        return parse_period(value).label
    except AssessmentError as exc:
        raise ValueError(str(exc)) from None


AssessPeriod = Annotated[str | None, Field(max_length=20), AfterValidator(plain_text), AfterValidator(_period)]


class AssessmentQuery(QueryModel):
    """The Assessment page: a force (default: the first) and a period (default: its latest assessment)."""

    force: str | None = Field(None, max_length=MAX_NAME)
    period: AssessPeriod = None


class BenchmarkQuery(QueryModel):
    """The Benchmark page: group by force, account type or both; one account type; a period."""

    by: Literal["force", "account_type", "force,account_type"] = "force"
    account_type: Literal[ACCOUNT_TYPES] | None = None  # type: ignore[valid-type]
    period: AssessPeriod = None


def _network_measure(value: str) -> str:
    from peelian.network.multilayer import MEASURE_COLUMNS

    if value not in MEASURE_COLUMNS:
        raise ValueError(f"measure must be one of {', '.join(MEASURE_COLUMNS)} (got {reprlib.repr(value)})")
    return value


class NetworksQuery(QueryModel):
    """The Networks page: organisations (a county, year, layer and measure) or interactions (kind, force)."""

    view: Literal["organisations", "interactions"] = "organisations"
    county: OptionalText = None
    year: int | None = Field(None, ge=1800, le=2200)
    layer: Literal[(*LAYERS, "all")] = "all"  # type: ignore[valid-type]
    measure: Annotated[str, Field(max_length=40), AfterValidator(_network_measure)] = "degree_centralization"
    kind: Literal["reply", "mention", "both"] = "both"
    force: str | None = Field(None, max_length=MAX_NAME)
