"""Codebooks: dimensions with a scope and codes, read from YAML or REFI-QDA, stored per project.

A codebook is versioned because every coding and gold label records the version it was
made under: changing a definition without raising the version would silently mix two
schemes. The YAML format is validated against the JSON schema shipped next to this module
(`codebook.schema.json`); every problem is reported with its line and field at once, so a
user fixes a file in one pass. docs/codebook.md documents the format.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml

from peelian.errors import CodebookError
from peelian.store.project import Project, utcnow

ROLES = ("police", "citizen", "partner", "media")
KINDS = ("original", "reply", "repost", "quote")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
DEFAULT_CODEBOOK_FILE = "default_codebook.yaml"
SCHEMA_FILE = "codebook.schema.json"

_store_lock = threading.Lock()


@dataclass
class Code:
    """One code of a dimension; `key` is the keyboard shortcut in the coding interface."""

    id: str
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    parent: str | None = None
    colour: str | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The YAML form: empty optional fields are left out so files stay readable."""
        out: dict[str, Any] = {"id": self.id, "label": self.label}
        for name in ("key", "colour", "parent", "definition", "include", "exclude"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.examples:
            out["examples"] = list(self.examples)
        return out


@dataclass
class Dimension:
    """A coding decision (e.g. `mode`), the posts it applies to and its codes."""

    id: str
    label: str
    description: str = ""
    applies_to_roles: list[str] = field(default_factory=list)
    applies_to_kinds: list[str] = field(default_factory=list)
    multi_label: bool = False
    codes: list[Code] = field(default_factory=list)
    level: str = "nominal"

    def code_ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise CodebookError(f"dimension {self.id!r} has no code {code_id!r} "
                            f"(its codes: {', '.join(self.code_ids())})")

    def applies_to(self, role: str | None, kind: str | None) -> bool:
        """The same rule as `scope_sql`, for one post already in memory."""
        if self.applies_to_roles and role not in self.applies_to_roles:
            return False
        if self.applies_to_kinds:
            return kind in self.applies_to_kinds
        return kind != "repost"

    def scope_sql(self, alias: str = "p") -> str:
        """A SQL boolean over the posts table: true for the posts this dimension applies to."""
        prefix = f"{alias}." if alias else ""
        parts = []
        if self.applies_to_roles:
            parts.append(f"{prefix}author_role IN ({_sql_list(self.applies_to_roles)})")
        if self.applies_to_kinds:
            parts.append(f"{prefix}kind IN ({_sql_list(self.applies_to_kinds)})")
        else:
            parts.append(f"{prefix}kind <> 'repost'")
        return "(" + " AND ".join(parts) + ")"

    def scope_text(self) -> str:
        """The scope in words, for tables and reports."""
        roles = "/".join(self.applies_to_roles) if self.applies_to_roles else "all"
        kinds = ", ".join(self.applies_to_kinds) if self.applies_to_kinds else "all but reposts"
        return f"{roles} posts ({kinds})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label}
        if self.description:
            out["description"] = self.description
        out["applies_to"] = {"roles": list(self.applies_to_roles), "kinds": list(self.applies_to_kinds)}
        out["multi_label"] = self.multi_label
        if self.level != "nominal":
            out["level"] = self.level
        out["codes"] = [c.to_dict() for c in self.codes]
        return out


@dataclass
class Codebook:
    """A named, versioned set of dimensions."""

    id: str
    name: str
    version: str
    description: str = ""
    dimensions: list[Dimension] = field(default_factory=list)

    def dimension(self, id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == id:
                return dim
        raise CodebookError(f"codebook {self.id!r} (version {self.version}) has no dimension {id!r} "
                            f"(its dimensions: {', '.join(self.dimension_ids())})")

    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimensions_for(self, role: str | None, kind: str | None) -> list[Dimension]:
        """The dimensions a post with this author role and kind is coded on."""
        return [d for d in self.dimensions if d.applies_to(role, kind)]

    def scope_sql(self, alias: str = "p") -> str:
        """True for posts that at least one dimension applies to."""
        return "(" + " OR ".join(d.scope_sql(alias) for d in self.dimensions) + ")"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "version": self.version}
        if self.description:
            out["description"] = self.description
        out["dimensions"] = [d.to_dict() for d in self.dimensions]
        return out

    def fingerprint(self) -> str:
        """A hash of the content, to tell a re-import of the same version from a changed one."""
        return hashlib.sha256(orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)).hexdigest()

    def validate(self, source: str | None = None) -> None:
        """Rules the JSON schema cannot express: unique ids and keys, parents that exist, no cycles."""
        problems = _semantic_problems(self.to_dict())
        if problems:
            raise CodebookError(_join_problems([p for _, p in problems]), path=source)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Codebook:
        dims = []
        for d in data["dimensions"]:
            applies = d.get("applies_to") or {}
            dims.append(Dimension(
                id=str(d["id"]), label=d["label"], description=d.get("description") or "",
                applies_to_roles=list(applies.get("roles") or []), applies_to_kinds=list(applies.get("kinds") or []),
                multi_label=bool(d.get("multi_label", False)), level=d.get("level") or "nominal",
                codes=[Code(id=str(c["id"]), label=c["label"], definition=c.get("definition") or "",
                            include=c.get("include") or "", exclude=c.get("exclude") or "",
                            examples=[str(e) for e in c.get("examples") or []], parent=c.get("parent"),
                            colour=c.get("colour"), key=c.get("key")) for c in d["codes"]],
            ))
        return cls(id=str(data["id"]), name=data["name"], version=str(data["version"]),
                   description=data.get("description") or "", dimensions=dims)


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# ---- reading and writing files ----------------------------------------------------------------

@lru_cache(maxsize=1)
def codebook_json_schema() -> dict[str, Any]:
    """The JSON schema of the YAML format (a package file, also published in docs/codebook.md)."""
    return json.loads(resources.files("peelian.coding").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def default_codebook() -> Codebook:
    """The shipped police encounters codebook."""
    text = resources.files("peelian.coding").joinpath(DEFAULT_CODEBOOK_FILE).read_text(encoding="utf-8")
    return parse_codebook_yaml(text, source=DEFAULT_CODEBOOK_FILE)


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook file: `.yaml`/`.yml`/`.json` in Peelian's format, or a REFI-QDA `.qdc`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        from peelian.coding.refi import read_qdc

        return read_qdc(path).codebook
    if suffix not in (".yaml", ".yml", ".json"):
        raise CodebookError("unknown codebook file type; use .yaml, .yml, .json or a REFI-QDA .qdc", path=str(path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError("not valid UTF-8", path=str(path)) from exc
    except OSError as exc:
        raise CodebookError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    return parse_codebook_yaml(text, source=str(path))


def save_codebook(codebook: Codebook, path: str | Path) -> None:
    """Write a codebook as YAML/JSON (Peelian's format) or REFI-QDA `.qdc`, chosen by extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".qdc":
        from peelian.coding.refi import write_qdc

        write_qdc(codebook, path)
        return
    if suffix in (".yaml", ".yml"):
        text = codebook_yaml(codebook)
    elif suffix == ".json":
        text = json.dumps(codebook.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        raise CodebookError("unknown codebook file type; use .yaml, .yml, .json or .qdc", path=str(path))
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CodebookError(f"cannot write: {exc.strerror}", path=str(path)) from exc


def codebook_yaml(codebook: Codebook) -> str:
    header = (f"# Peelian codebook {codebook.id} version {codebook.version}. Format: docs/codebook.md.\n"
              "# Raise `version` whenever you change codes or definitions.\n")
    return header + yaml.safe_dump(codebook.to_dict(), sort_keys=False, allow_unicode=True, width=100,
                                   default_flow_style=None)


def parse_codebook_yaml(text: str, source: str | None = None) -> Codebook:
    """Parse and validate YAML; every problem is reported with its line and field."""
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's where PyYAML has it: 30 times faster
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise CodebookError(f"not valid YAML: {exc.problem or exc.context}", path=source, location=where) from exc
    except yaml.YAMLError as exc:
        raise CodebookError(f"not valid YAML: {exc}", path=source) from exc
    if not isinstance(data, dict):
        raise CodebookError("a codebook must be a mapping with id, name, version and dimensions", path=source,
                            location="line 1")
    data = _normalise_scalars(data)
    problems = _schema_problems(data, node)
    if not problems:
        problems = [(_line_of(node, path), message) for path, message in _semantic_problems(data)]
    if problems:
        problems.sort(key=lambda p: (p[0] or 0))
        lines = [f"line {line}: {message}" if line else message for line, message in problems]
        raise CodebookError(_join_problems(lines), path=source)
    return Codebook.from_dict(data)


def _normalise_scalars(data: Any) -> Any:
    """Version `1.0` and code id `1` are numbers in YAML; users mean strings."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in ("id", "version", "parent", "key") and isinstance(value, int | float) \
                    and not isinstance(value, bool):
                value = str(value)
            out[key] = _normalise_scalars(value)
        return out
    if isinstance(data, list):
        return [_normalise_scalars(v) for v in data]
    return data


def _join_problems(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return f"{len(lines)} problems:\n  " + "\n  ".join(lines)


_FRIENDLY = {
    "key": "must be one lower-case letter or digit",
    "colour": "must be a hex colour such as #4e79a7",
    "id": "must start with a letter or digit and hold only letters, digits, '_', '.' or '-' (at most 64)",
    "parent": "must be the id of another code of the same dimension",
    "version": "must start with a letter or digit and hold only letters, digits, '.', '_', '+' or '-'",
}


def _schema_problems(data: dict[str, Any], node: yaml.Node | None) -> list[tuple[int | None, str]]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(codebook_json_schema())
    problems: list[tuple[int | None, str]] = []
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        where = _describe_path(data, path)
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - allowed):
                problems.append((_line_of(node, [*path, extra], key=True),
                                 f"{where}: unknown field {extra!r} (allowed: {', '.join(sorted(allowed))})"))
            continue
        if error.validator == "required":
            problems.append((_line_of(node, path), f"{where}: {error.message}"))
            continue
        leaf = path[-1] if path and isinstance(path[-1], str) else None
        if error.validator in ("pattern", "anyOf", "maxLength") and leaf in _FRIENDLY:
            message = f"{where}: {error.instance!r} {_FRIENDLY[leaf]}"
        else:
            message = f"{where}: {error.message}"
        problems.append((_line_of(node, path), message))
    return problems


def _describe_path(data: Any, path: list[Any]) -> str:
    """`dimension 'mode' › code 'inform' › key`, readable without counting list items."""
    parts: list[str] = []
    current = data
    for i, step in enumerate(path):
        prev = path[i - 1] if i else None
        if isinstance(step, int) and isinstance(current, list):
            item = current[step] if step < len(current) else None
            ident = item.get("id") if isinstance(item, dict) else None
            noun = {"dimensions": "dimension", "codes": "code", "examples": "example"}.get(str(prev), "item")
            parts[-1:] = [f"{noun} {ident!r}" if ident is not None else f"{noun} #{step + 1}"]
            current = item
        else:
            parts.append(str(step))
            current = current.get(step) if isinstance(current, dict) else None
    return " › ".join(parts) if parts else "codebook"


def _line_of(node: yaml.Node | None, path: list[Any], *, key: bool = False) -> int | None:
    """The 1-based line of the node at `path` (its key when `key`), or of the deepest existing parent."""
    if node is None:
        return None
    current = node
    for i, step in enumerate(path):
        nxt = None
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                if k.value == step:
                    nxt = k if (key and i == len(path) - 1) else v
                    break
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int) and step < len(current.value):
            nxt = current.value[step]
        if nxt is None:
            break
        current = nxt
    return current.start_mark.line + 1


def _semantic_problems(data: dict[str, Any]) -> list[tuple[list[Any], str]]:
    problems: list[tuple[list[Any], str]] = []
    seen_dims: set[str] = set()
    for di, dim in enumerate(data.get("dimensions") or []):
        did = dim.get("id")
        if did in seen_dims:
            problems.append((["dimensions", di, "id"], f"dimension {did!r} is defined twice"))
        seen_dims.add(did)
        codes = dim.get("codes") or []
        ids: dict[str, int] = {}
        keys: dict[str, str] = {}
        for ci, code in enumerate(codes):
            cid = code.get("id")
            if cid in ids:
                problems.append((["dimensions", di, "codes", ci, "id"],
                                 f"dimension {did!r}: code {cid!r} is defined twice"))
            ids[cid] = ci
            key = code.get("key")
            if key:
                if key in keys:
                    problems.append((["dimensions", di, "codes", ci, "key"],
                                     f"dimension {did!r} › code {cid!r}: key {key!r} is already used by code "
                                     f"{keys[key]!r}"))
                keys[key] = cid
        parents = {c.get("id"): c.get("parent") for c in codes}
        for ci, code in enumerate(codes):
            cid, parent = code.get("id"), code.get("parent")
            if parent is None:
                continue
            where = ["dimensions", di, "codes", ci, "parent"]
            if parent == cid:
                problems.append((where, f"dimension {did!r} › code {cid!r}: a code cannot be its own parent"))
            elif parent not in ids:
                problems.append((where, f"dimension {did!r} › code {cid!r}: parent {parent!r} is not a code of "
                                        f"this dimension"))
            else:
                seen = {cid}
                step = parent
                while step is not None and step not in seen:
                    seen.add(step)
                    step = parents.get(step)
                if step is not None:
                    problems.append((where, f"dimension {did!r} › code {cid!r}: parents form a cycle"))
        level = dim.get("level", "nominal")
        if dim.get("multi_label") and level != "nominal":
            problems.append((["dimensions", di, "level"],
                             f"dimension {did!r}: a multi-label dimension is coded as yes/no per code, so its "
                             f"level must be nominal, not {level!r}"))
    return problems


# ---- the project's codebooks -------------------------------------------------------------------

@lru_cache(maxsize=32)
def _loads_cached(definition: str) -> dict[str, Any]:
    return orjson.loads(definition)


def _parse_stored(definition: str) -> Codebook:
    """A fresh Codebook each call (callers may change theirs), from JSON decoded once per definition."""
    return Codebook.from_dict(_loads_cached(definition))


def active_codebook(project: Project) -> Codebook:
    """The codebook codings are checked against; the default one is stored on first use."""
    row = project.query("SELECT definition FROM codebooks WHERE is_active LIMIT 1")
    if row:
        return _parse_stored(row[0]["definition"])
    default = default_codebook()
    if project.read_only:
        return default
    return import_codebook(project, default)


def import_codebook(project: Project, codebook: Codebook | str | Path, *, activate: bool = True) -> Codebook:
    """Store a codebook (and make it the active one); a changed codebook needs a new version."""
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    codebook.validate()
    definition = orjson.dumps(codebook.to_dict()).decode()
    with _store_lock, project.transaction() as con:
        row = con.execute("SELECT definition FROM codebooks WHERE codebook_id = ? AND version = ?",
                          [codebook.id, codebook.version]).fetchone()
        if row is not None:
            if _parse_stored(row[0]).fingerprint() != codebook.fingerprint():
                raise CodebookError(
                    f"codebook {codebook.id!r} version {codebook.version} is already stored with different "
                    "content; raise `version` so codings made under each can be told apart")
        else:
            con.execute("INSERT INTO codebooks VALUES (?, ?, ?, ?, ?, FALSE)",
                        [codebook.id, codebook.version, codebook.name, definition, utcnow()])
        if activate:
            con.execute("UPDATE codebooks SET is_active = (codebook_id = ? AND version = ?)",
                        [codebook.id, codebook.version])
    project.audit("codebook_import", target=f"{codebook.id}@{codebook.version}",
                  detail={"activated": activate, "dimensions": codebook.dimension_ids()})
    return codebook


def activate_codebook(project: Project, codebook_id: str, version: str) -> Codebook:
    """Switch back to a stored codebook version."""
    book = stored_codebook(project, version, codebook_id=codebook_id)
    with _store_lock, project.transaction() as con:
        con.execute("UPDATE codebooks SET is_active = (codebook_id = ? AND version = ?)", [codebook_id, version])
    return book


def stored_codebook(project: Project, version: str, *, codebook_id: str | None = None) -> Codebook:
    """A stored codebook by version (codings record the version they were made under)."""
    sql = "SELECT definition FROM codebooks WHERE version = ?"
    params: list[Any] = [version]
    if codebook_id is not None:
        sql += " AND codebook_id = ?"
        params.append(codebook_id)
    rows = project.query(sql + " ORDER BY is_active DESC, imported_at DESC", params)
    if not rows:
        known = ", ".join(f"{r['codebook_id']}@{r['version']}" for r in list_codebooks(project)) or "none"
        raise CodebookError(f"no stored codebook with version {version!r} (stored: {known})")
    return _parse_stored(rows[0]["definition"])


def list_codebooks(project: Project) -> list[dict[str, Any]]:
    return project.query("SELECT codebook_id, version, name, imported_at, is_active FROM codebooks "
                         "ORDER BY imported_at")


def codebook_markdown(codebook: Codebook) -> str:
    """The codebook as Markdown tables: the rendering shown in docs/codebook.md."""
    out = [f"### {codebook.name} (`{codebook.id}`, version {codebook.version})", ""]
    if codebook.description:
        out += [codebook.description, ""]
    for dim in codebook.dimensions:
        kind = "multi-label" if dim.multi_label else "single label"
        out += [f"#### `{dim.id}` — {dim.label} ({dim.scope_text()}; {kind})", ""]
        if dim.description:
            out += [dim.description, ""]
        out += ["| code | key | definition | include | exclude | examples |", "|---|---|---|---|---|---|"]
        for c in dim.codes:
            name = f"`{c.id}`" + (f" (under `{c.parent}`)" if c.parent else "")
            cells = [name, f"`{c.key}`" if c.key else "", c.definition, c.include, c.exclude,
                     "<br>".join(c.examples)]
            out.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
        out.append("")
    return "\n".join(out)
