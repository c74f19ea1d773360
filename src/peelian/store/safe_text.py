"""Post text written where the reader's software could act on it: spreadsheet cells and JSON inside HTML.

A citizen's post is data, but a spreadsheet reads a cell that starts with `=`, `+`, `-`, `@`, tab or
carriage return as a formula (OWASP "CSV injection"), and an HTML parser reads `<!--`, `<script` or
`</script` inside an inline `<script>` element as markup. Every CSV that Peelian writes for people and
every page that embeds JSON goes through this module, so the rule exists once. It lives in the store
layer because the store, coding, metrics, classify, report and web layers all write such output.

CSV: a text cell that would start a formula gets a leading `'`, which spreadsheets show as text.
So that Peelian can read its own sheets back losslessly, a cell that already looks neutralised
(`'` characters followed by a formula start) gets one more `'`; `restore_cell` removes exactly one.
Numbers, dates and other non-text values are never changed, so a negative count stays a number, and
neither is text that is just a decimal number (`-3`, `+1.5e3`): a spreadsheet reads it as that number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from markupsafe import Markup

if TYPE_CHECKING:
    import pyarrow as pa

# The same pattern serves Python's re, DuckDB's and Arrow's RE2 (the escapes mean tab and CR in both).
FORMULA_PATTERN = r"^'*[=+\-@\t\r]"
# Text that is just a decimal number; `$` ends the text in RE2, `\Z` in Python's re.
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_FORMULA = re.compile(FORMULA_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN.removesuffix("$") + r"\Z")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
_HTML_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})


def neutralise_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet cannot run: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_cell(v) for v in values]


def restore_cell(value: Any) -> Any:
    """Undo `neutralise_cell` on a cell read back from a CSV that Peelian wrote."""
    return value[1:] if isinstance(value, str) and _NEUTRALISED.match(value) else value


def neutralise_sql(expression: str) -> str:
    """The SQL (DuckDB) for `neutralise_cell` applied to a text expression, for `COPY ... TO` a CSV."""
    formula, number = FORMULA_PATTERN.replace("'", "''"), NUMBER_PATTERN.replace("'", "''")
    return (f"CASE WHEN regexp_matches({expression}, '{formula}') AND NOT regexp_matches({expression}, "
            f"'{number}') THEN '''' || {expression} ELSE {expression} END")


def neutralise_arrow(table: pa.Table) -> pa.Table:
    """`neutralise_cell` on every text column of an Arrow table (other columns are kept as they are)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        column = table.column(i)
        if pa.types.is_dictionary(field.type):
            column = column.cast(kind)
        hit = pc.and_not(pc.match_substring_regex(column, FORMULA_PATTERN),
                         pc.match_substring_regex(column, NUMBER_PATTERN))
        fixed = pc.if_else(hit, pc.binary_join_element_wise("'", column, ""), column)
        table = table.set_column(i, pa.field(field.name, kind, field.nullable, field.metadata), fixed)
    return table


def json_for_html(value: Any, default: Callable[[Any], Any] | None = str) -> Markup:
    """JSON safe inside any HTML element, `<script>` included: `<`, `>`, `&`, U+2028 and U+2029 are
    written as `\\u003c` etc., so no text in the data can end or re-open the element or a comment.
    Registered as the Jinja filter `json_html`."""
    return Markup(orjson.dumps(value, default=default).decode().translate(_HTML_UNSAFE))
